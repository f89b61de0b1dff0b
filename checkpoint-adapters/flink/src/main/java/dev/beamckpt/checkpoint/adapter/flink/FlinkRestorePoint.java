package dev.beamckpt.checkpoint.adapter.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
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

  /**
   * Deletes all but the newest {@code keep} restore points, and job directories left without
   * one. Safe once the newest is a savepoint or a checkpoint of the latest job: Flink restores in
   * NO_CLAIM mode, so a job never builds on files of the checkpoint it started from.
   */
  public static void pruneKeepingNewest(Path stateDir, int keep) throws IOException {
    List<FlinkRestorePoint> all = all(stateDir);
    for (FlinkRestorePoint old : all.subList(0, Math.max(0, all.size() - keep))) {
      deleteTree(old.directory());
    }
    try (Stream<Path> dirs = Files.list(stateDir)) {
      for (Path job : dirs.filter(Files::isDirectory).filter(d -> !d.getFileName().toString().equals(SAVEPOINTS)).toList()) {
        try (Stream<Path> inside = Files.list(job)) {
          if (inside.noneMatch(p -> p.getFileName().toString().startsWith("chk-"))) {
            deleteTree(job);
          }
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static FlinkRestorePoint of(Path metadata) {
    try {
      return new FlinkRestorePoint(metadata.getParent(), Files.getLastModifiedTime(metadata).toMillis());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
