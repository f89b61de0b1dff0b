package dev.beamckpt.checkpoint.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchCommitterTest {
  @TempDir Path dir;

  @Test
  void aBatchTakesTheNextIdUnlessACommitAlreadyHoldsItsTableOutputs() throws IOException {
    CheckpointLocation.openForQuery(dir.toString(), "q", PipelineFingerprint.of(List.of("count")), "test").close();
    BatchCommitter committer = new BatchCommitter(dir.toString(), List.of(), 10);
    assertEquals(1, committer.firstTableSeq());
    assertEquals(new BatchCommitter.Committed(0, 0), committer.latest());

    committer.commit(1, 100, 5, 3);
    // The runner releases outputs 1..3 again after restoring the checkpoint that held them: batch 1 holds them.
    assertEquals(new BatchCommitter.Committed(1, 3), committer.latest());
    assertEquals(4, committer.firstTableSeq());

    committer.commit(1, 999, 7, 9); // a second commit of batch 1 keeps the first record
    try (CheckpointLocation loc = CheckpointLocation.readOnly(dir.toString())) {
      assertEquals(5, loc.commits().get(1).orElseThrow().numOutputRows());
      assertEquals(3L, loc.commits().get(1).orElseThrow().tableSeq());
    }
  }

  @Test
  void aLocationTheDirectRunnerCommittedStartsTheTableAboveItsBatchIds() throws IOException {
    try (CheckpointLocation loc =
        CheckpointLocation.openForQuery(dir.toString(), "q", PipelineFingerprint.of(List.of("count")), "test")) {
      loc.commits().add(1, new CommitMetadata(0, 1, 4, 3));
      loc.commits().add(2, new CommitMetadata(0, 2, 4, 3));
    }
    assertFalse(Files.readString(dir.resolve("commits/2")).contains("tableSeq"), "Direct commits keep their format");
    try (CheckpointLocation loc = CheckpointLocation.readOnly(dir.toString())) {
      assertNull(loc.commits().get(2).orElseThrow().tableSeq());
    }
    BatchCommitter committer = new BatchCommitter(dir.toString(), List.of(), 10);
    assertEquals(3, committer.firstTableSeq());
    // Outputs numbered by their batch id, as Flink jobs did before commits recorded table outputs.
    assertEquals(new BatchCommitter.Committed(2, 2), committer.latest());
  }
}
