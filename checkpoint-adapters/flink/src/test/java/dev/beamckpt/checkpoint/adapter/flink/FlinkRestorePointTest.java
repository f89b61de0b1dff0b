package dev.beamckpt.checkpoint.adapter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkRestorePointTest {
  @TempDir Path location;
  private Path state;

  @BeforeEach
  void stateDirectory() {
    state = location.resolve("state");
  }

  private Path point(String dir, long completedAtMs, boolean complete) throws Exception {
    Path d = Files.createDirectories(state.resolve(dir));
    if (complete) {
      Files.setLastModifiedTime(Files.writeString(d.resolve("_metadata"), "x"), FileTime.fromMillis(completedAtMs));
    }
    return d;
  }

  @Test
  void newestCompletedCheckpointOrSavepointWins() throws Exception {
    point("job1/chk-3", 1000, true);
    point("savepoints/savepoint-ab-1", 2000, true);
    point("job2/chk-9", 3000, true);
    point("job2/chk-10", 4000, false); // in progress: no _metadata yet
    Files.createDirectories(state.resolve("job2/shared"));

    assertEquals(state.resolve("job2/chk-9"), Path.of(FlinkRestorePoint.latest(uri(state)).orElseThrow().directory()));
    assertEquals(List.of("state/job1/chk-3", "state/savepoints/savepoint-ab-1", "state/job2/chk-9"),
        FlinkRestorePoint.all(uri(state)).stream().map(FlinkRestorePoint::name).toList());
    assertTrue(FlinkRestorePoint.all(uri(state)).get(1).isSavepoint());
    assertEquals(1, FlinkRestorePoint.all(uri(state)).get(0).bytes(), "the size of its files");
  }

  @Test
  void pruningKeepsTheNewestAndDropsJobsLeftWithout() throws Exception {
    point("job1/chk-3", 1000, true);
    Files.createDirectories(state.resolve("job1/shared"));
    point("savepoints/savepoint-ab-1", 2000, true);
    point("job2/chk-9", 3000, true);
    point("savepoints/savepoint-cd-2", 4000, true);

    FlinkRestorePoint.pruneKeepingNewest(uri(state), 2);

    assertEquals(List.of(state.resolve("job2/chk-9"), state.resolve("savepoints/savepoint-cd-2")),
        FlinkRestorePoint.all(uri(state)).stream().map(p -> Path.of(p.directory())).toList());
    assertFalse(Files.exists(state.resolve("job1")), "a job directory without checkpoints goes too");
  }

  @Test
  void noStateMeansNoRestorePoint() throws Exception {
    assertTrue(FlinkRestorePoint.latest(uri(state.resolve("absent"))).isEmpty());
  }

  /** The state directory as the location's storage gives it to Flink. */
  private static String uri(Path dir) {
    return dir.toUri().toString().replaceAll("/+$", "");
  }
}
