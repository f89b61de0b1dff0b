package dev.beamckpt.checkpoint.adapter.flink;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * A completed Flink checkpoint ({@code state/<job>/chk-N}) or savepoint ({@code
 * state/savepoints/savepoint-…}) in a location. Flink writes {@code _metadata} last, when the
 * checkpoint completes, so a directory with one can be restored from. Read through Flink's own
 * {@link FileSystem} at the URI the location's storage gives for {@code state/}, so restore points
 * are found on every store Flink can write.
 *
 * @param name the directory relative to the location, e.g. {@code state/3f2a…/chk-7}
 */
public record FlinkRestorePoint(String name, URI directory, long completedAtMs) {
  public static final String SAVEPOINTS = "savepoints";
  private static final String METADATA = "_metadata";

  /** Every restore point under {@code stateUri}, oldest first. */
  public static List<FlinkRestorePoint> all(String stateUri) throws IOException {
    Path state = new Path(stateUri);
    FileSystem fs = state.getFileSystem();
    List<FlinkRestorePoint> points = new ArrayList<>();
    for (FileStatus parent : list(fs, state)) { // a job's checkpoints, or the savepoints
      for (FileStatus dir : list(fs, parent.getPath())) {
        String n = dir.getPath().getName();
        if (!dir.isDir() || !(n.startsWith("chk-") || n.startsWith("savepoint-"))) {
          continue;
        }
        FileStatus metadata;
        try {
          metadata = fs.getFileStatus(new Path(dir.getPath(), METADATA));
        } catch (FileNotFoundException e) {
          continue; // in progress, or abandoned before it completed
        }
        points.add(new FlinkRestorePoint(state.getName() + "/" + parent.getPath().getName() + "/" + n,
            dir.getPath().toUri(), metadata.getModificationTime()));
      }
    }
    points.sort(Comparator.comparingLong(FlinkRestorePoint::completedAtMs));
    return points;
  }

  /** The newest restore point, which a restart resumes from. */
  public static Optional<FlinkRestorePoint> latest(String stateUri) throws IOException {
    List<FlinkRestorePoint> all = all(stateUri);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Deletes all but the newest {@code keep} restore points, and job directories left without
   * one. Safe once the newest is a savepoint or a checkpoint of the latest job: Flink restores in
   * NO_CLAIM mode, so a job never builds on files of the checkpoint it started from.
   */
  public static void pruneKeepingNewest(String stateUri, int keep) throws IOException {
    List<FlinkRestorePoint> all = all(stateUri);
    for (FlinkRestorePoint old : all.subList(0, Math.max(0, all.size() - keep))) {
      Path dir = new Path(old.directory());
      dir.getFileSystem().delete(dir, true);
    }
    Path state = new Path(stateUri);
    FileSystem fs = state.getFileSystem();
    for (FileStatus job : list(fs, state)) {
      if (job.isDir() && !job.getPath().getName().equals(SAVEPOINTS)
          && list(fs, job.getPath()).stream().noneMatch(s -> s.getPath().getName().startsWith("chk-"))) {
        fs.delete(job.getPath(), true);
      }
    }
  }

  /** The bytes this restore point's files take. */
  public long bytes() throws IOException {
    Path dir = new Path(directory);
    return bytes(dir.getFileSystem(), dir);
  }

  private static long bytes(FileSystem fs, Path path) throws IOException {
    long total = 0;
    for (FileStatus s : list(fs, path)) {
      total += s.isDir() ? bytes(fs, s.getPath()) : s.getLen();
    }
    return total;
  }

  /**
   * The entries of a directory; none if it does not exist: Flink's local filesystem answers null,
   * its object-store ones throw. On an object store a directory is a prefix, gone once its last
   * object is, so it can vanish between a listing that showed it and this one (after a prune
   * deleted a job's last checkpoint). One request per directory, no separate existence check.
   */
  private static List<FileStatus> list(FileSystem fs, Path dir) throws IOException {
    try {
      FileStatus[] entries = fs.listStatus(dir);
      return entries == null ? List.of() : List.of(entries);
    } catch (FileNotFoundException e) {
      return List.of();
    }
  }

  public boolean isSavepoint() {
    return new Path(directory).getName().startsWith("savepoint-");
  }
}
