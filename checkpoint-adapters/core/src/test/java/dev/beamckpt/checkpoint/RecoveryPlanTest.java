package dev.beamckpt.checkpoint;

import static dev.beamckpt.checkpoint.CheckpointLocationTest.COUNT;
import static dev.beamckpt.checkpoint.CheckpointLocationTest.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.CorruptCheckpointFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryPlanTest {
  @TempDir Path dir;

  @Test
  void aNewLocationStartsAtBatchOne() throws IOException {
    try (CheckpointLocation loc = open()) {
      RecoveryPlan plan = RecoveryPlan.read(loc);
      assertEquals(0, plan.lastCommitted());
      assertEquals(1, plan.nextBatchId());
      assertTrue(plan.pending().isEmpty() && plan.replay().isEmpty());
    }
  }

  @Test
  void replaysCommittedBatchesAndRerunsThePlannedOne() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 2);
      loc.offsets().add(3, batch(30));
      RecoveryPlan plan = RecoveryPlan.read(loc);
      assertEquals(2, plan.lastCommitted());
      assertEquals(List.of(1L, 2L), List.copyOf(plan.replay().keySet()));
      assertEquals(3L, plan.pending().orElseThrow().getKey());
      assertEquals(30, plan.pending().orElseThrow().getValue().endOffset("0"), "the same offsets as before the crash");
      assertEquals(4, plan.nextBatchId());
    }
  }

  @Test
  void aTornLatestCommitMeansTheBatchRunsAgainAndSaysSo() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 2);
      tear(dir.resolve("commits/2"));
      RecoveryPlan plan = RecoveryPlan.read(loc);
      assertEquals(1, plan.lastCommitted());
      assertEquals(2L, plan.pending().orElseThrow().getKey());
      String warning = plan.warnings().get(0);
      assertTrue(warning.contains(dir + "/commits/2 is unreadable") && warning.contains("it will run again"), warning);
      assertFalse(Files.exists(dir.resolve("commits/2")), "the torn file is removed so the batch can commit again");
    }
  }

  @Test
  void describeOnlyReportsAndRepairsNothing() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 2);
      tear(dir.resolve("commits/2"));
      assertEquals(1, RecoveryPlan.read(loc, false).warnings().size());
      assertTrue(Files.exists(dir.resolve("commits/2")));
    }
  }

  @Test
  void aTornUncommittedOffsetsFileIsPlannedAgain() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 1);
      loc.offsets().add(2, batch(20));
      tear(dir.resolve("offsets/2"));
      RecoveryPlan plan = RecoveryPlan.read(loc);
      assertTrue(plan.pending().isEmpty());
      assertEquals(2, plan.nextBatchId());
      assertTrue(plan.warnings().get(0).contains("planned again from the receive log"));
    }
  }

  @Test
  void aCorruptCommittedOffsetsFileIsAnErrorNamingIt() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 2);
      tear(dir.resolve("offsets/2"));
      CorruptCheckpointFileException e = assertThrows(CorruptCheckpointFileException.class, () -> RecoveryPlan.read(loc));
      assertEquals("offsets/2", e.path());
      assertTrue(e.getMessage().contains("Batch 2 was committed") && e.getMessage().contains("Restore the file from a backup"),
          e.getMessage());
      assertEquals(1, e.getMessage().split("is unreadable", -1).length - 1, "the file is named once: " + e.getMessage());
    }
  }

  @Test
  void aGapInTheOffsetsLogIsAnError() throws IOException {
    try (CheckpointLocation loc = open()) {
      commit(loc, 1, 1);
      loc.offsets().add(3, batch(30));
      IOException e = assertThrows(IOException.class, () -> RecoveryPlan.read(loc));
      assertTrue(e.getMessage().contains("has offsets/3 but batch 2 was never committed"), e.getMessage());
    }
  }

  private CheckpointLocation open() throws IOException {
    return CheckpointLocation.openForQuery(dir.toString(), "counts", COUNT, "test");
  }

  private static void commit(CheckpointLocation loc, long from, long to) throws IOException {
    for (long id = from; id <= to; id++) {
      loc.offsets().add(id, batch(id * 10));
      loc.commits().add(id, new CommitMetadata(0, id, 10, 1));
    }
  }

  private static void tear(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
  }
}
