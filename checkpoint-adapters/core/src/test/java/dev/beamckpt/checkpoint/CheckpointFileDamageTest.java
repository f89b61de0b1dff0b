package dev.beamckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.CorruptCheckpointFileException;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.RunInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file a restart reads, damaged at every byte: cut to every shorter length, and each byte
 * inverted. Each case is an error naming the file or the documented recovery (a latest commit or
 * an uncommitted batch's offsets unreadable: that batch runs again), never a plan built from
 * wrong numbers.
 */
class CheckpointFileDamageTest {
  @TempDir Path dir;
  private int cases;

  @BeforeEach
  void writeALocationWithTwoCommittedBatchesAndAPendingOne() throws IOException {
    try (CheckpointLocation loc = open()) {
      loc.runs().append(new RunInfo("run-0", "DirectRunner", 1_700_000_000_000L, "4242@host", -1, null, null));
      for (long id = 1; id <= 2; id++) {
        loc.offsets().add(id, CheckpointLocationTest.batch(2200 * id));
        loc.commits().add(id, new CommitMetadata(0, 1_700_000_000_000L + id, 2200, 1000 + id));
      }
      loc.offsets().add(3, CheckpointLocationTest.batch(9999));
    }
  }

  private CheckpointLocation open() throws IOException {
    return CheckpointLocation.openForQuery(dir.toString(), "wordcount", CheckpointLocationTest.COUNT, "owner-of-test");
  }

  /** Each damaged version of a file: every strict prefix, then every byte inverted. */
  private static List<byte[]> damaged(byte[] original) {
    List<byte[]> versions = new ArrayList<>();
    for (int length = 0; length < original.length; length++) {
      versions.add(Arrays.copyOf(original, length));
    }
    for (int i = 0; i < original.length; i++) {
      byte[] flipped = original.clone();
      flipped[i] ^= (byte) 0xFF;
      versions.add(flipped);
    }
    return versions;
  }

  interface Check {
    void on(CheckpointLocation loc) throws IOException;
  }

  private void sweep(String file, Check check) throws IOException {
    Path path = dir.resolve(file);
    byte[] original = Files.readAllBytes(path);
    try (CheckpointLocation loc = open()) {
      for (byte[] version : damaged(original)) {
        Files.write(path, version);
        check.on(loc);
      }
    } finally {
      Files.write(path, original);
    }
  }

  private static void assertNames(IOException e, String file) {
    assertTrue(e instanceof CorruptCheckpointFileException && e.getMessage().contains("/" + file + " is unreadable"),
        e.toString());
  }

  @Test
  void aDamagedMetadataFileIsNamedAndNothingOpens() throws IOException {
    Path metadata = dir.resolve("metadata");
    byte[] original = Files.readAllBytes(metadata);
    for (byte[] version : damaged(original)) {
      Files.write(metadata, version);
      try (CheckpointLocation loc = open()) {
        fail("opened with a damaged metadata file: " + new String(version) + " as " + loc.metadata());
      } catch (CorruptCheckpointFileException e) {
        assertNames(e, "metadata");
        cases++;
      }
    }
    assertEquals(2 * original.length, cases);
  }

  @Test
  void aDamagedLatestCommitMakesItsBatchRunAgainWithTheSameOffsets() throws IOException {
    Files.delete(dir.resolve("offsets/3")); // killed before batch 3 was planned
    sweep("commits/2", loc -> {
      RecoveryPlan plan = RecoveryPlan.read(loc, false);
      assertEquals(1, plan.lastCommitted());
      assertEquals(Map.entry(2L, CheckpointLocationTest.batch(4400)), plan.pending().orElseThrow());
      assertTrue(plan.warnings().get(0).contains("commits/2") && plan.warnings().get(0).contains("will run again"),
          plan.warnings().toString());
    });
  }

  @Test
  void aDamagedLatestCommitWithALaterBatchPlannedIsNamedWithWhatToDo() throws IOException {
    sweep("commits/2", loc -> {
      CorruptCheckpointFileException e = expectCorrupt(() -> RecoveryPlan.read(loc, false));
      assertNames(e, "commits/2");
      assertTrue(e.getMessage().contains("offsets/3 was planned after it") && e.getMessage().contains("Restore"),
          e.getMessage());
    });
  }

  @Test
  void aDamagedOlderCommitIsNamed() throws IOException {
    sweep("commits/1", loc -> {
      try {
        RecoveryPlan plan = RecoveryPlan.read(loc, false);
        // Only the newest commit is read: an older one damaged does not change what resumes.
        assertEquals(2, plan.lastCommitted());
        assertNames(expectCorrupt(() -> loc.commits().get(1)), "commits/1");
      } catch (CorruptCheckpointFileException e) {
        assertNames(e, "commits/1");
      }
    });
  }

  @Test
  void damagedOffsetsOfTheLastCommittedBatchAreNamedWithWhatToDo() throws IOException {
    sweep("offsets/2", loc -> {
      CorruptCheckpointFileException e = expectCorrupt(() -> RecoveryPlan.read(loc, false));
      assertNames(e, "offsets/2");
      assertTrue(e.getMessage().contains("Restore the file from a backup"), e.getMessage());
    });
  }

  @Test
  void damagedOffsetsOfTheUncommittedBatchArePlannedAgain() throws IOException {
    sweep("offsets/3", loc -> {
      RecoveryPlan plan = RecoveryPlan.read(loc, false);
      assertEquals(2, plan.lastCommitted());
      assertTrue(plan.pending().isEmpty(), "planned again from the receive log");
      assertEquals(List.of(1L, 2L), List.copyOf(plan.replay().keySet()));
      assertEquals(CheckpointLocationTest.batch(4400), plan.replay().get(2L), "the committed offsets, intact");
    });
  }

  @Test
  void aDamagedRunRecordIsNamed() throws IOException {
    sweep("runs/0", loc -> assertNames(expectCorrupt(() -> loc.runs().get(0)), "runs/0"));
  }

  private static CorruptCheckpointFileException expectCorrupt(ThrowingSupplier<?> read) {
    return assertThrows(CorruptCheckpointFileException.class, read::get);
  }
}
