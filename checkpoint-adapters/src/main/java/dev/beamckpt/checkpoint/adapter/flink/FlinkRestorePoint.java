package dev.beamckpt.checkpoint.adapter.flink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A completed Flink checkpoint ({@code state/<job>/chk-N}) or savepoint ({@code
 * state/savepoints/savepoint-…}) in a location. Flink writes {@code _metadata} last, when the
 * checkpoint completes, so a directory with one can be restored from.
 */
public record FlinkRestorePoint(Path directory, long completedAtMs) {
  public static final String SAVEPOINTS = "savepoints";
  private static final String METADATA = "_metadata";

  /** Every restore point under {@code stateDir}, oldest first. */
  public static List<FlinkRestorePoint> all(Path stateDir) throws IOException {
    if (!Files.isDirectory(stateDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.find(stateDir, 3, (p, attrs) -> attrs.isRegularFile()
        && p.getFileName().toString().equals(METADATA)
        && (p.getParent().getFileName().toString().startsWith("chk-")
            || p.getParent().getFileName().toString().startsWith("savepoint-")))) {
      return files.map(FlinkRestorePoint::of).sorted(Comparator.comparingLong(FlinkRestorePoint::completedAtMs)).toList();
    }
  }

  /** The newest restore point, which a restart resumes from. */
  public static Optional<FlinkRestorePoint> latest(Path stateDir) throws IOException {
    List<FlinkRestorePoint> all = all(stateDir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  private static FlinkRestorePoint of(Path metadata) {
    try {
      return new FlinkRestorePoint(metadata.getParent(), Files.getLastModifiedTime(metadata).toMillis());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public boolean isSavepoint() {
    return directory.getFileName().toString().startsWith("savepoint-");
  }

  /** The path relative to the location, e.g. {@code state/3f2a…/chk-7}. */
  public String relativeTo(Path locationRoot) {
    return locationRoot.relativize(directory).toString();
  }
}
