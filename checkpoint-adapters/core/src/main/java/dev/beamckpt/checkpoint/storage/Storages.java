package dev.beamckpt.checkpoint.storage;

import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptions;

/** Resolves a {@code --checkpointLocation} value to its storage, by the URI's scheme, among the registered ones. */
public final class Storages {
  /** A scheme as URIs have it; a single letter before ':' is a Windows drive, not a scheme. */
  private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]+):");

  private Storages() {}

  /** The storage of {@code location} with the environment's defaults (a tool, a test). */
  public static CheckpointStorage forLocation(String location) {
    return forLocation(location, null);
  }

  /** The storage of {@code location}, configured by the query's options (endpoints, credentials, lease). */
  public static CheckpointStorage forLocation(String location, PipelineOptions options) {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("--checkpointLocation is empty: give a directory or a file:// URI.");
    }
    Matcher m = SCHEME.matcher(location);
    String scheme = m.find() ? m.group(1).toLowerCase(Locale.ROOT) : StorageRegistrar.PLAIN_PATH;
    TreeSet<String> known = new TreeSet<>();
    for (StorageRegistrar registrar : ServiceLoader.load(StorageRegistrar.class)) {
      if (registrar.schemes().contains(scheme)) {
        return registrar.open(location, options);
      }
      registrar.schemes().stream().filter(s -> !s.isEmpty()).map(s -> s + "://").forEach(known::add);
    }
    throw new IllegalArgumentException("Checkpoint location " + location + ": no storage for " + scheme
        + ":// is available in this build (it has plain paths" + (known.isEmpty() ? "" : " and " + String.join(", ", known))
        + "). Use a local directory or file:// URI.");
  }
}
