package dev.beamckpt.checkpoint.source.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReceiveLogTest {
  private static final String LOG = "sources/0";
  @TempDir Path root;
  private Path dir;
  private CheckpointStorage storage;

  @BeforeEach
  void location() {
    storage = new LocalStorage(root.toString(), root);
    dir = root.resolve(LOG);
  }

  /**
   * A writer still running (a receiver left in a TaskManager after a failover) and a new one opening
   * the same log (the restored reader's receiver elsewhere): the new one waits until the old one,
   * told by the claim, drained its last records into the log and released it, and then appends
   * after them. Without the claim both would write at their own idea of the end.
   */
  @Test
  void aNewWriterTakesTheLogOverOnceTheRunningOneDrainedAndReleasedIt() throws Exception {
    FileReceiveLog old = FileReceiveLog.open(storage, LOG);
    old.append(List.of("a", "b"), 1);
    java.util.concurrent.CountDownLatch toldToStop = new java.util.concurrent.CountDownLatch(1);
    old.onTakenOver(() -> {
      try {
        old.append(List.of("drained by the old writer"), 2); // what its receiver still read
        old.close();
        toldToStop.countDown();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    try (FileReceiveLog taker = FileReceiveLog.open(storage, LOG)) {
      assertEquals(0, toldToStop.getCount(), "the open returned only after the old writer released the log");
      assertEquals(3, taker.endOffset(), "the new writer appends after what the old one drained");
      taker.append(List.of("c"), 3);
    }
    assertEquals(List.of("a", "b", "drained by the old writer", "c"),
        FileReceiveLog.readAll(storage, LOG).stream().map(LogRecord::line).toList());
  }

  @Test
  void recordsSurviveReopeningWithOffsetsAndTimestamps() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      log.append(List.of("hello world", "héllo ✓"), 1_000);
      log.append(List.of(""), 2_000);
    }
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      assertEquals(3, log.endOffset());
      assertEquals(2_000, log.maxTimestampMs());
      assertEquals(List.of(new LogRecord(0, 1_000, "hello world"), new LogRecord(1, 1_000, "héllo ✓"),
          new LogRecord(2, 2_000, "")), readFrom(log, 0));
      log.append(List.of("more"), 3_000);
      assertEquals(List.of(new LogRecord(3, 3_000, "more")), readFrom(log, 3));
    }
    assertEquals(4, FileReceiveLog.readAll(storage, LOG).size());
  }

  @Test
  void cursorsSeekPastTheSparseIndex() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        lines.add("line " + i);
      }
      log.append(lines, 1);
    }
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG); ReceiveLog.Cursor c = log.cursor(3_333)) {
      assertEquals("line 3333", c.next().line());
      assertThrows(IOException.class, () -> log.cursor(5_001), "a mark past the end belongs to another log");
    }
  }

  @Test
  void aTornTailIsTruncatedAndAppendsContinueAfterIt() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      log.append(List.of("complete", "torn by a crash"), 1);
    }
    Path file = dir.resolve("00000000000000000000.log");
    long size = Files.size(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size - 3);
    }
    assertEquals(1, FileReceiveLog.readAll(storage, LOG).size(), "readers stop at the torn record");
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      assertEquals(1, log.endOffset());
      log.append(List.of("next"), 2);
      assertEquals(List.of("complete", "next"), readFrom(log, 0).stream().map(LogRecord::line).toList());
    }
  }

  @Test
  void aChecksumMismatchInsideTheLogIsNamedNotSkipped() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      log.append(List.of("first", "second", "third"), 1);
    }
    Path file = dir.resolve("00000000000000000000.log");
    byte[] bytes = Files.readAllBytes(file);
    int secondPayload = FileReceiveLog.MAGIC.length + FileReceiveLog.HEADER + "first".length() + FileReceiveLog.HEADER;
    bytes[secondPayload] ^= 0x20;
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> FileReceiveLog.open(storage, LOG));
    assertTrue(e.getMessage().contains(file + " is corrupt at record 1") && e.getMessage().contains("start over with a new --checkpointLocation"),
        e.getMessage());
  }

  @Test
  void aFileThatIsNotAReceiveLogIsRefused() throws IOException {
    Files.writeString(Files.createDirectories(dir).resolve("00000000000000000000.log"), "some other file");
    IOException e = assertThrows(IOException.class, () -> FileReceiveLog.open(storage, LOG));
    assertTrue(e.getMessage().contains("does not start with the receive-log header"), e.getMessage());
  }

  @Test
  void segmentsRollAreReadAcrossAndSurviveReopening() throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) {
      lines.add("line " + i);
    }
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, 4_096)) {
      for (String line : lines) {
        log.append(List.of(line), 1);
      }
      assertEquals(lines, readFrom(log, 0).stream().map(LogRecord::line).toList());
      assertEquals("line 2500", readFrom(log, 2_500).get(0).line(), "a cursor seeks into a later segment");
    }
    List<String> segments = segmentNames();
    assertTrue(segments.size() > 5, segments.toString());
    assertEquals("00000000000000000000.log", segments.get(0));
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, 4_096)) {
      assertEquals(3_000, log.endOffset());
      log.append(List.of("after reopening"), 2);
      assertEquals("after reopening", readFrom(log, 3_000).get(0).line());
    }
    assertEquals(3_001, FileReceiveLog.readAll(storage, LOG).size());
  }

  @Test
  void trimmingDropsWholeSegmentsBelowTheOffsetOnly() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, 4_096)) {
      for (int i = 0; i < 2_000; i++) {
        log.append(List.of("line " + i), 1);
      }
      log.trimBefore(1_000);
      long start = log.startOffset();
      assertTrue(start > 0 && start <= 1_000, "start " + start);
      assertEquals("line 1000", readFrom(log, 1_000).get(0).line(), "everything from the trim offset stays");
      IOException e = assertThrows(IOException.class, () -> log.cursor(start - 1));
      assertTrue(e.getMessage().contains("was trimmed"), e.getMessage());
      log.trimBefore(Long.MAX_VALUE);
      assertEquals(1, segmentNames().size(), "the segment being written is never trimmed");
      log.append(List.of("still appending"), 2);
    }
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, 4_096)) {
      assertEquals(2_001, log.endOffset());
      assertEquals("still appending", readFrom(log, 2_000).get(0).line());
    }
  }

  @Test
  void aMissingMiddleSegmentIsAGapNamedOnOpen() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, 4_096)) {
      for (int i = 0; i < 2_000; i++) {
        log.append(List.of("line " + i), 1);
      }
    }
    Files.delete(dir.resolve(segmentNames().get(2)));
    IOException e = assertThrows(IOException.class, () -> FileReceiveLog.open(storage, LOG, 4_096));
    assertTrue(e.getMessage().contains("has a gap"), e.getMessage());
  }

  private List<String> segmentNames() throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".log")).sorted().toList();
    }
  }

  /**
   * A segment damaged at every byte: each byte inverted, and cut to every shorter length. While a
   * batch file says the records were read, each case is an error naming the file; with none, a cut
   * drops only the records after it. Never a record read back changed.
   */
  @Test
  void everyDamagedByteIsNamedAndACutOnlyDropsRecordsNoBatchRead() throws IOException {
    List<String> lines = List.of("hello world", "", "héllo ✓", "spark streaming checkpoint");
    try (FileReceiveLog log = FileReceiveLog.open(storage, LOG)) {
      log.append(lines.subList(0, 2), 1_000);
      log.append(lines.subList(2, 4), 2_000);
    }
    List<LogRecord> written = FileReceiveLog.readAll(storage, LOG);
    Path file = dir.resolve("00000000000000000000.log");
    byte[] original = Files.readAllBytes(file);
    RequiredEnd allRead = new RequiredEnd(lines.size(), "offsets/1 of the test");
    for (int i = 0; i < original.length; i++) {
      byte[] flipped = original.clone();
      flipped[i] ^= (byte) 0xFF;
      Files.write(file, flipped);
      try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, FileReceiveLog.DEFAULT_SEGMENT_BYTES, allRead)) {
        throw new AssertionError("byte " + i + " inverted, yet the log opened: " + readFrom(log, 0));
      } catch (IOException e) {
        assertTrue(e.getMessage().contains(file.toString()), "byte " + i + ": " + e.getMessage());
      }
    }
    for (int length = 0; length < original.length; length++) {
      Files.write(file, Arrays.copyOf(original, length));
      try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, FileReceiveLog.DEFAULT_SEGMENT_BYTES, allRead)) {
        throw new AssertionError("cut to " + length + " bytes, yet the log opened: " + readFrom(log, 0));
      } catch (IOException e) {
        assertTrue(e.getMessage().contains(LOG), "cut to " + length + ": " + e.getMessage());
      }
      Files.write(file, Arrays.copyOf(original, length));
      try (FileReceiveLog log = FileReceiveLog.open(storage, LOG, FileReceiveLog.DEFAULT_SEGMENT_BYTES, RequiredEnd.NONE)) {
        List<LogRecord> kept = readFrom(log, 0);
        assertEquals(written.subList(0, kept.size()), kept, "cut to " + length + ": a prefix of what was written");
      } catch (IOException e) {
        assertTrue(length < FileReceiveLog.MAGIC.length && e.getMessage().contains(file.toString()),
            "cut to " + length + ": " + e.getMessage());
      }
    }
    Files.write(file, original);
    assertEquals(written, FileReceiveLog.readAll(storage, LOG));
  }

  private static List<LogRecord> readFrom(ReceiveLog log, long offset) throws IOException {
    List<LogRecord> out = new ArrayList<>();
    try (ReceiveLog.Cursor c = log.cursor(offset)) {
      for (LogRecord r = c.next(); r != null; r = c.next()) {
        out.add(r);
      }
    }
    return out;
  }
}
