package dev.beamckpt.checkpoint.adapter.flink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code checkpoint describe} with the Flink adapter on the class path: its restore points and what a restart restores. */
class FlinkLocationDescriptionTest {
  @TempDir Path dir;

  @Test
  void flinkRestorePointsAndTheRunsThatUsedThemAreShown() throws IOException {
    PipelineFingerprint count = PipelineFingerprint.of(List.of("source socket", "Combine.perKey VarLong"));
    try (CheckpointLocation loc = CheckpointLocation.openForQuery(dir.toString(), "counts", count, "test")) {
      loc.offsets().add(1, new OffsetSeq(40, 4, List.of(SourceOffset.ofLog("0", 4))));
      loc.commits().add(1, new CommitMetadata(0, 1, 4, 3));
      loc.runs().append(new RunInfo("r1", "FlinkRunner", 0, "1@host", 1, "state/savepoints/savepoint-ab-1", "job2"));
      try (FileReceiveLog log = FileReceiveLog.open(loc.storage(), CheckpointLocation.sourcePath("0"))) {
        log.append(List.of("a", "b", "c", "d"), 1);
      }
    }
    Path savepoint = Files.createDirectories(dir.resolve("state/savepoints/savepoint-ab-1"));
    Files.writeString(savepoint.resolve("_metadata"), "x");
    Files.setLastModifiedTime(savepoint.resolve("_metadata"), FileTime.fromMillis(1_000));
    Path checkpoint = Files.createDirectories(dir.resolve("state/job2/chk-7"));
    Files.writeString(checkpoint.resolve("_metadata"), "x");

    String d = LocationDescription.describe(dir.toString());
    assertTrue(d.contains("resumed after batch 1 from state/savepoints/savepoint-ab-1, job job2"), d);
    assertTrue(d.contains("Flink state:           2 completed checkpoint(s)/savepoint(s), newest last:"), d);
    assertTrue(d.indexOf("state/savepoints/savepoint-ab-1 (savepoint)") < d.indexOf("state/job2/chk-7"), d);
    assertTrue(d.contains("Resumable:             yes: on Flink the next run restores state/job2/chk-7 and continues at"
        + " batch 2"), d);
  }
}
