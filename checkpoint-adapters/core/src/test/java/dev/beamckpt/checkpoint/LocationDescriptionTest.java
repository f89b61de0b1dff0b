package dev.beamckpt.checkpoint;

import static dev.beamckpt.checkpoint.CheckpointLocationTest.COUNT;
import static dev.beamckpt.checkpoint.CheckpointLocationTest.batch;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationDescriptionTest {
  @TempDir Path dir;

  @Test
  void summarizesWhatALocationHoldsAndWhetherItCanResume() throws IOException {
    try (CheckpointLocation loc = CheckpointLocation.openForQuery(dir.toString(), "counts", COUNT, "test")) {
      loc.offsets().add(1, batch(4));
      loc.commits().add(1, new CommitMetadata(0, 1, 4, 3));
      loc.offsets().add(2, batch(9));
      writeLog(loc, 9);

      String held = LocationDescription.describe(dir.toString());
      assertTrue(held.contains("In use:                yes: Checkpoint location " + dir + " is in use"), held);
    }
    String d = LocationDescription.describe(dir.toString());
    assertTrue(d.contains("Query:                 'counts' (id "), d);
    assertTrue(d.contains("Retained batches:      1..2 (2 offsets, 1 commits)"), d);
    assertTrue(d.contains("Last commit:           batch 1 at ") && d.contains("4 input rows, 3 output rows"), d);
    assertTrue(d.contains("Last offsets:          batch 2 (planned, not committed): source 0 up to record 9;"), d);
    assertTrue(d.contains("Source 0:              receive log 206 B in sources/0, records 0..9"), d);
    assertTrue(d.contains("In use:                no"), d);
    assertTrue(d.contains("State:                 none kept by a runner"), d);
    assertTrue(d.contains("Resumable:             yes: the next run continues at batch 3"), d);
  }

  @Test
  void aLogShorterThanItsBatchesIsNotResumableAndSaysWhy() throws IOException {
    try (CheckpointLocation loc = CheckpointLocation.openForQuery(dir.toString(), "counts", COUNT, "test")) {
      loc.offsets().add(1, batch(9));
      loc.commits().add(1, new CommitMetadata(0, 1, 9, 3));
      writeLog(loc, 5);
    }
    String d = LocationDescription.describe(dir.toString());
    assertTrue(d.contains("Resumable:             no: Receive log " + dir.resolve("sources/0") + " ends at record 5, but"
        + " offsets/1 of " + dir + " records that a batch read it up to record 9"), d);
    assertTrue(d.contains("records 0..5") || d.contains("DAMAGED"), d);

    Files.walk(dir.resolve("sources")).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    d = LocationDescription.describe(dir.toString());
    assertTrue(d.contains("Resumable:             no: receive log sources/0 is missing, but offsets/1 of " + dir
        + " records that a batch read it up to record 9"), d);
    assertTrue(Files.notExists(dir.resolve("sources")), "describe changes nothing");
  }

  private static void writeLog(CheckpointLocation loc, int records) throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(loc.storage(), CheckpointLocation.sourcePath("0"))) {
      for (int i = 0; i < records; i++) {
        log.append(java.util.List.of("line " + i), 1);
      }
    }
  }

  @Test
  void aDirectoryThatIsNotACheckpointIsNamed() {
    IOException e = assertThrows(IOException.class, () -> LocationDescription.describe(dir.toString()));
    assertTrue(e.getMessage().contains("No checkpoint at " + dir + ": it has no metadata file"), e.getMessage());
  }
}
