package dev.beamckpt.runners.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.PluginDescriptor;

/**
 * The filesystems Flink in this process writes its checkpoints through. Flink's own scripts load
 * filesystem plugins from a {@code plugins/} folder; in-process nothing does, so a query calls
 * {@link #initialize} with what its location's storage says the filesystem needs (an endpoint,
 * credentials) before its job starts. The plugins are the ones the build copied next to this
 * module (Flink's S3 and GCS filesystems), each in its own class loader, as Flink's distribution
 * loads them; {@link FlinkSessionCluster} points its processes at the same folder.
 */
public final class FlinkFileSystems {
  /**
   * The plugins' libraries log through java.util.logging straight to the console: the AWS SDK v1
   * about a missing mime.types at every start, the GCS connector about every slow call and about
   * an emulator's null credentials. The query's own output stays clean. Held: JUL keeps loggers
   * weakly, and a collected one forgets its level.
   */
  private static final List<java.util.logging.Logger> QUIETED = List.of(
      java.util.logging.Logger.getLogger("com.amazonaws"), java.util.logging.Logger.getLogger("com.google.cloud.hadoop"));
  private static Map<String, String> initializedWith;

  private FlinkFileSystems() {}

  /**
   * Makes Flink's filesystems of this process reach {@code uri} with {@code settings} (Hadoop's or
   * Flink's keys, such as {@code fs.s3a.endpoint}) and the build's plugins. A process whose
   * filesystems someone else set up (a cluster's TaskManager, started with its own configuration)
   * and that reach the scheme already is left as it is. Otherwise the settings are added to the
   * ones given before, so queries on several stores share one process, and Flink initialized
   * again if they changed: that drops the filesystems Flink has open.
   */
  public static synchronized void initialize(String uri, Map<String, String> settings) {
    if (initializedWith == null && reaches(uri)) {
      return;
    }
    Map<String, String> merged = new java.util.HashMap<>(initializedWith == null ? Map.of() : initializedWith);
    merged.putAll(settings);
    if (merged.equals(initializedWith)) {
      return;
    }
    QUIETED.forEach(log -> log.setLevel(java.util.logging.Level.SEVERE));
    Configuration conf = new Configuration();
    merged.forEach(conf::setString);
    List<PluginDescriptor> plugins = new ArrayList<>();
    Path root = pluginsDirectory();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
          plugins.add(new PluginDescriptor(dir.getFileName().toString(), jars(dir), new String[0]));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Listing Flink's filesystem plugins in " + root, e);
      }
    }
    FileSystem.initialize(conf, new DefaultPluginManager(plugins, CoreOptions.getPluginParentFirstLoaderPatterns(conf)));
    initializedWith = Map.copyOf(merged);
  }

  /** Whether Flink in this process has a filesystem for {@code uri}'s scheme (reaching the store is another matter). */
  public static boolean reaches(String uri) {
    try {
      FileSystem.getUnguardedFileSystem(java.net.URI.create(uri));
      return true;
    } catch (org.apache.flink.core.fs.UnsupportedFileSystemSchemeException e) {
      return false;
    } catch (IOException e) {
      return true; // it has a filesystem for the scheme; whether the store answers is another matter
    }
  }

  private static URL[] jars(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<URL> urls = new ArrayList<>();
      for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
        try {
          urls.add(jar.toUri().toURL());
        } catch (MalformedURLException e) {
          throw new IOException(e);
        }
      }
      return urls.toArray(URL[]::new);
    }
  }

  /**
   * The Hadoop key a setting of Flink's configuration becomes in Flink's S3 and GCS filesystems,
   * which take their settings under several prefixes ({@code s3.endpoint} is
   * {@code fs.s3a.endpoint}, {@code gs.storage.root.url} is {@code fs.gs.storage.root.url}).
   */
  public static String hadoopKey(String flinkKey) {
    for (String[] prefix : HADOOP_PREFIXES) {
      if (flinkKey.startsWith(prefix[0])) {
        return (prefix[1] + flinkKey.substring(prefix[0].length())).replace("path-style-access", "path.style.access");
      }
    }
    return flinkKey;
  }

  private static final String[][] HADOOP_PREFIXES = {
      {"fs.s3a.", "fs.s3a."}, {"s3a.", "fs.s3a."}, {"s3.", "fs.s3a."}, {"fs.gs.", "fs.gs."}, {"gs.", "fs.gs."}};

  /** Where the build copied the plugins: recorded in a resource at build time. */
  public static Path pluginsDirectory() {
    try (InputStream in = FlinkFileSystems.class.getResourceAsStream("flink-plugins.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return Path.of(p.getProperty("dir", "plugins"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
