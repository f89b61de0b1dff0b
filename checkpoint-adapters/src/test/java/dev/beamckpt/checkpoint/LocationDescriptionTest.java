package dev.beamckpt.checkpoint;

import static dev.beamckpt.checkpoint.CheckpointLocationTest.COUNT;
import static dev.beamckpt.checkpoint.CheckpointLocationTest.batch;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.log.CommitMetadata;
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
      Files.write(loc.sourceDirectory("0").resolve("00000000000000000000.log"), new byte[2048]);

      String held = LocationDescription.describe(dir.toString());
      assertTrue(held.contains("In use:                yes: Checkpoint location " + dir + " is in use"), held);
    }
    String d = LocationDescription.describe(dir.toString());
    assertTrue(d.contains("Query:                 'counts' (id "), d);
    assertTrue(d.contains("Retained batches:      1..2 (2 offsets, 1 commits)"), d);
    assertTrue(d.contains("Last commit:           batch 1 at ") && d.contains("4 input rows, 3 output rows"), d);
    assertTrue(d.contains("Last offsets:          batch 2 (planned, not committed): source 0 up to record 9;"), d);
    assertTrue(d.contains("Source 0:              receive log 2.0 KiB in sources/0"), d);
    assertTrue(d.contains("In use:                no"), d);
    assertTrue(d.contains("Resumable:             yes: the next run replays 1 retained batch(es) with output muted,"
        + " re-runs planned batch 2, and continues at batch 3"), d);
  }

  @Test
  void aDirectoryThatIsNotACheckpointIsNamed() {
    IOException e = assertThrows(IOException.class, () -> LocationDescription.describe(dir.toString()));
    assertTrue(e.getMessage().contains("No checkpoint at " + dir + ": it has no metadata file"), e.getMessage());
  }
}
