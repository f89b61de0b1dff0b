package dev.beamckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage.LocationInUseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointLocationTest {
  static final PipelineFingerprint COUNT = PipelineFingerprint.of(List.of("source socket", "Combine.perKey VarLong"));
  static final PipelineFingerprint WINDOWED = PipelineFingerprint.of(List.of("source socket", "GroupByKey FixedWindows"));
  @TempDir Path dir;

  @Test
  void createsTheLayoutAndKeepsTheQueryIdAcrossRuns() throws IOException {
    String id;
    try (CheckpointLocation loc = open("counts", COUNT)) {
      id = loc.metadata().id();
      loc.offsets().add(1, batch(5));
      loc.commits().add(1, new CommitMetadata(0, 1, 5, 3));
    }
    assertTrue(Files.readString(dir.resolve("metadata")).startsWith("v2\n"));
    assertTrue(Files.exists(dir.resolve("offsets/1")) && Files.exists(dir.resolve("commits/1")));
    try (CheckpointLocation loc = open("counts", COUNT)) {
      assertEquals(id, loc.metadata().id());
      assertEquals(5, loc.offsets().get(1).orElseThrow().endOffset("0"));
    }
  }

  @Test
  void batchFilesAreWrittenOnce() throws IOException {
    try (CheckpointLocation loc = open("counts", COUNT)) {
      assertTrue(loc.offsets().add(1, batch(5)));
      assertFalse(loc.offsets().add(1, batch(9)), "an existing batch file is never overwritten");
      assertEquals(5, loc.offsets().get(1).orElseThrow().endOffset("0"));
    }
  }

  @Test
  void aDifferentStatefulPipelineIsRefusedNamingBoth() throws IOException {
    open("counts", COUNT).close();
    CheckpointLocation.IncompatibleCheckpointException e = assertThrows(
        CheckpointLocation.IncompatibleCheckpointException.class, () -> open("windowed", WINDOWED));
    String m = e.getMessage();
    assertTrue(m.startsWith("Incompatible checkpoint metadata at " + dir), m);
    assertTrue(m.contains("query 'counts'") && m.contains("Combine.perKey VarLong"), m);
    assertTrue(m.contains("this query 'windowed'") && m.contains("GroupByKey FixedWindows"), m);
    assertTrue(m.contains("rm -rf " + dir), m);
    open("counts", COUNT).close(); // the refused open released the lease and changed nothing
  }

  @Test
  void oneQueryAtATime() throws IOException {
    try (CheckpointLocation first = open("counts", COUNT)) {
      LocationInUseException e = assertThrows(LocationInUseException.class, () -> open("counts", COUNT));
      assertTrue(e.getMessage().contains("is in use by another query (owner-of-test)"), e.getMessage());
    }
    open("counts", COUNT).close();
  }

  @Test
  void purgeKeepsTheLastBatches() throws IOException {
    try (CheckpointLocation loc = open("counts", COUNT)) {
      for (long id = 1; id <= 5; id++) {
        loc.offsets().add(id, batch(id));
        loc.commits().add(id, new CommitMetadata(0, id, 1, 1));
      }
      loc.purge(5, 2);
      assertEquals(List.of(4L, 5L), List.copyOf(loc.offsets().batchIds()));
      assertEquals(List.of(4L, 5L), List.copyOf(loc.commits().batchIds()));
    }
  }

  @Test
  void strayFilesAreIgnored() throws IOException {
    try (CheckpointLocation loc = open("counts", COUNT)) {
      loc.offsets().add(1, batch(1));
      Files.writeString(dir.resolve("offsets/1~"), "editor backup");
      Files.writeString(dir.resolve("offsets/.2.tmp"), "half written");
      assertEquals(List.of(1L), List.copyOf(loc.offsets().batchIds()));
    }
  }

  @Test
  void aDamagedMetadataFileIsCorruptionNotAnotherPipeline() throws IOException {
    open("counts", COUNT).close();
    Path metadata = dir.resolve("metadata");
    String intact = Files.readString(metadata);
    String fingerprint = COUNT.hash();
    String changed = intact.replace(fingerprint, (fingerprint.charAt(0) == 'a' ? "b" : "a") + fingerprint.substring(1));
    Files.writeString(metadata, changed);
    IOException e = assertThrows(IOException.class, () -> open("counts", COUNT));
    String m = e.getMessage();
    assertTrue(m.startsWith("Checkpoint file " + dir + "/metadata is unreadable: its checksum does not match"), m);
    assertTrue(!m.contains("Incompatible") && !m.contains("rm -rf"), m);
    // A file from before the checksum line (v1): its own checksum and fingerprint still tell.
    Files.writeString(metadata, changed.replaceFirst("^v2", "v1").replaceFirst("#crc32c=\\p{XDigit}{8}\n$", ""));
    m = assertThrows(IOException.class, () -> open("counts", COUNT)).getMessage();
    assertTrue(m.startsWith("Checkpoint file " + dir + "/metadata is unreadable: the file is damaged"), m);

    Files.writeString(metadata, intact.replace("\"name\":\"counts\"", "\"name\":\"cownts\""));
    e = assertThrows(IOException.class, () -> open("counts", COUNT));
    assertTrue(e.getMessage().contains("its checksum does not match its content"), e.getMessage());
    Files.writeString(metadata, intact);
    open("counts", COUNT).close();
  }

  @Test
  void aNonEmptyDirectoryThatIsNotALocationIsRefusedAndLeftAlone() throws IOException {
    Files.writeString(dir.resolve("thesis.tex"), "my own work");
    IOException e = assertThrows(IOException.class, () -> open("counts", COUNT));
    String m = e.getMessage();
    assertTrue(m.contains("Checkpoint location " + dir + " is a non-empty directory that is not a checkpoint location")
        && m.contains("holds thesis.tex") && m.contains("give --checkpointLocation a new or empty directory"), m);
    assertTrue(!m.contains("rm -rf"), "never advise deleting a directory we did not create: " + m);
    assertFalse(Files.exists(dir.resolve("metadata")));
  }

  @Test
  void aLocationWhoseMetadataWasRemovedIsNamed() throws IOException {
    try (CheckpointLocation loc = open("counts", COUNT)) {
      loc.offsets().add(1, batch(5));
    }
    Files.delete(dir.resolve("metadata"));
    IOException e = assertThrows(IOException.class, () -> open("counts", COUNT));
    assertTrue(e.getMessage().contains("metadata is unreadable: the file is missing, while [offsets] are there"),
        e.getMessage());
  }

  @Test
  void aFileGivenAsTheLocationIsNamedAsAFile() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.txt"), "x");
    IOException e = assertThrows(IOException.class,
        () -> CheckpointLocation.openForQuery(file.toString(), "counts", COUNT, "test"));
    assertEquals("Checkpoint location " + file + " is a file, not a directory. Give --checkpointLocation a directory (it"
        + " is created if missing).", e.getMessage());
  }

  /** A lock file this user may not open: by permissions, or for root (who ignores them) with the immutable attribute. */
  @Test
  void aLockFileThatCannotBeOpenedIsNamedWithTheLocation() throws Exception {
    open("counts", COUNT).close();
    Path lock = dir.resolve(".lock");
    lock.toFile().setWritable(false, false);
    boolean immutable = false;
    if (Files.isWritable(lock) && new ProcessBuilder("chattr", "+i", lock.toString()).start().waitFor() == 0) {
      immutable = true;
    }
    try {
      org.junit.jupiter.api.Assumptions.assumeTrue(immutable || !Files.isWritable(lock), "cannot make .lock unwritable");
      IOException e = assertThrows(IOException.class, () -> open("counts", COUNT));
      String m = e.getMessage();
      assertTrue(m.startsWith("Cannot open the lock file " + lock + " of checkpoint location " + dir + ": ")
          && (m.contains("permission denied") || m.contains("Operation not permitted"))
          && m.contains("run it as the user that owns the location's files"), m);
    } finally {
      if (immutable) {
        new ProcessBuilder("chattr", "-i", lock.toString()).start().waitFor();
      }
      lock.toFile().setWritable(true, false);
    }
  }

  @Test
  void aBareAccessDeniedReadsAsPermissionDenied() {
    assertEquals("permission denied", LocalStorage.reason(new java.nio.file.AccessDeniedException("/x/.lock")));
  }

  CheckpointLocation open(String name, PipelineFingerprint fp) throws IOException {
    return CheckpointLocation.openForQuery(dir.toString(), name, fp, "owner-of-test");
  }

  static OffsetSeq batch(long end) {
    return new OffsetSeq(end * 10, end, List.of(SourceOffset.ofLog("0", end)));
  }
}
