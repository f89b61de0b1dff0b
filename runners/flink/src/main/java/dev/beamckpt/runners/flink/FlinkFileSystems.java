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
 * module (Flink's S3 filesystem), each in its own class loader, as Flink's distribution loads them.
 */
public final class FlinkFileSystems {
  /** Held: JUL keeps loggers weakly, and a collected one forgets its level. */
  private static final java.util.logging.Logger AWS_SDK_LOG = java.util.logging.Logger.getLogger("com.amazonaws");
  private static Map<String, String> initializedWith;

  private FlinkFileSystems() {}

  /**
   * Initializes Flink's filesystems of this process with {@code settings} (Hadoop's or Flink's
   * keys, such as {@code fs.s3a.endpoint}) and the build's plugins, unless they already are with
   * the same settings: initializing drops the filesystems Flink has open.
   */
  public static synchronized void initialize(Map<String, String> settings) {
    if (settings.equals(initializedWith)) {
      return;
    }
    // The S3 plugin's AWS SDK v1 warns through java.util.logging about a missing mime.types on the
    // console at every start; the query's own output stays clean.
    AWS_SDK_LOG.setLevel(java.util.logging.Level.SEVERE);
    Configuration conf = new Configuration();
    settings.forEach(conf::setString);
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
    initializedWith = Map.copyOf(settings);
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

  /** Where the build copied the plugins: recorded in a resource at build time. */
  static Path pluginsDirectory() {
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
