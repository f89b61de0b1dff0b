package dev.beamckpt.runners.flink;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * Entries of this JVM's class path judged by what they hold, not where the build put them
 * (Maven's repository, a module's target/ directory, a test's jar): what a Flink job ships and
 * what a Flink-only cluster leaves out.
 */
public final class ClassPathEntry {
  private ClassPathEntry() {}

  public static List<String> all() {
    return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
  }

  /** Whether the directory or jar {@code entry} has classes under {@code packagePath} ("dev/beamckpt/"). */
  public static boolean holds(String entry, String packagePath) {
    File file = new File(entry);
    if (file.isDirectory()) {
      return new File(file, packagePath).isDirectory();
    }
    if (!file.isFile()) {
      return false;
    }
    try (ZipFile zip = new ZipFile(file)) {
      return zip.stream().anyMatch(e -> e.getName().startsWith(packagePath));
    } catch (IOException e) {
      throw new UncheckedIOException("Reading " + entry + " on the class path", e);
    }
  }
}
