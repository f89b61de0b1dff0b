package dev.beamckpt.io.socket.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReceiveLogTest {
  @TempDir Path dir;

  @Test
  void recordsSurviveReopeningWithOffsetsAndTimestamps() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      log.append(List.of("hello world", "héllo ✓"), 1_000);
      log.append(List.of(""), 2_000);
    }
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      assertEquals(3, log.endOffset());
      assertEquals(2_000, log.maxTimestampMs());
      assertEquals(List.of(new LogRecord(0, 1_000, "hello world"), new LogRecord(1, 1_000, "héllo ✓"),
          new LogRecord(2, 2_000, "")), readFrom(log, 0));
      log.append(List.of("more"), 3_000);
      assertEquals(List.of(new LogRecord(3, 3_000, "more")), readFrom(log, 3));
    }
    assertEquals(4, FileReceiveLog.readAll(dir).size());
  }

  @Test
  void cursorsSeekPastTheSparseIndex() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      List<String> lines = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        lines.add("line " + i);
      }
      log.append(lines, 1);
    }
    try (FileReceiveLog log = FileReceiveLog.open(dir); ReceiveLog.Cursor c = log.cursor(3_333)) {
      assertEquals("line 3333", c.next().line());
      assertThrows(IOException.class, () -> log.cursor(5_001), "a mark past the end belongs to another log");
    }
  }

  @Test
  void aTornTailIsTruncatedAndAppendsContinueAfterIt() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      log.append(List.of("complete", "torn by a crash"), 1);
    }
    Path file = dir.resolve("00000000000000000000.log");
    long size = Files.size(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(size - 3);
    }
    assertEquals(1, FileReceiveLog.readAll(dir).size(), "readers stop at the torn record");
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      assertEquals(1, log.endOffset());
      log.append(List.of("next"), 2);
      assertEquals(List.of("complete", "next"), readFrom(log, 0).stream().map(LogRecord::line).toList());
    }
  }

  @Test
  void aChecksumMismatchInsideTheLogIsNamedNotSkipped() throws IOException {
    try (FileReceiveLog log = FileReceiveLog.open(dir)) {
      log.append(List.of("first", "second", "third"), 1);
    }
    Path file = dir.resolve("00000000000000000000.log");
    byte[] bytes = Files.readAllBytes(file);
    int secondPayload = FileReceiveLog.MAGIC.length + FileReceiveLog.HEADER + "first".length() + FileReceiveLog.HEADER;
    bytes[secondPayload] ^= 0x20;
    Files.write(file, bytes);
    IOException e = assertThrows(IOException.class, () -> FileReceiveLog.open(dir));
    assertTrue(e.getMessage().contains(file + " is corrupt at record 1") && e.getMessage().contains("move it aside"),
        e.getMessage());
  }

  @Test
  void aFileThatIsNotAReceiveLogIsRefused() throws IOException {
    Files.writeString(dir.resolve("00000000000000000000.log"), "some other file");
    IOException e = assertThrows(IOException.class, () -> FileReceiveLog.open(dir));
    assertTrue(e.getMessage().contains("does not start with the receive-log header"), e.getMessage());
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
