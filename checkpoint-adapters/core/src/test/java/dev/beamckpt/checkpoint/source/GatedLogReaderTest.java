package dev.beamckpt.checkpoint.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.MemoryReceiveLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/** The reader hands the log on in chunks, each line at its own ingestion time, pausing now and then. */
class GatedLogReaderTest {
  /** The receiver side of a log with nothing behind it: the reader needs only its gate and snapshot. */
  private static SourceChannel channelOf(MemoryReceiveLog log, BatchGate gate) {
    return new SourceChannel() {
      @Override
      public Snapshot snapshot() {
        return new Snapshot(log.endOffset(), log.maxTimestampMs(), log.maxTimestampMs());
      }

      @Override
      public long startOffset() {
        return log.startOffset();
      }

      @Override
      public void sync() {}

      @Override
      public BatchGate gate() {
        return gate;
      }

      @Override
      public boolean endOfInput() {
        return false;
      }

      @Override
      public long quietMillis() {
        return 0;
      }

      @Override
      public String status() {
        return "test";
      }

      @Override
      public Map<String, Long> metrics() {
        return Map.of();
      }

      @Override
      public void close() {}
    };
  }

  @Test
  void chunksKeepEveryLineInOrderAtItsTimeAndPauseEveryTenThousandLines() throws Exception {
    MemoryReceiveLog log = new MemoryReceiveLog();
    int total = 2 * GatedLogReader.PAUSE_LINES + 1_500;
    for (int i = 0; i < total; i++) {
      log.append(List.of("line " + i), 1_000L + i / 7);
    }
    GatedLogReader reader = new GatedLogReader(null, "test", channelOf(log, new BatchGate()), log, 0, 0);
    List<TimestampedValue<String>> read = new ArrayList<>();
    int pauses = 0;
    boolean more = reader.start();
    while (read.size() < total) {
      if (!more) {
        pauses++;
        assertTrue(pauses <= 2, "a pause only every " + GatedLogReader.PAUSE_LINES + " lines");
        more = reader.advance();
        continue;
      }
      List<TimestampedValue<String>> chunk = reader.getCurrent();
      assertTrue(chunk.size() <= GatedLogReader.MAX_CHUNK, "chunk of " + chunk.size());
      assertEquals(chunk.get(0).getTimestamp(), reader.getCurrentTimestamp(), "a chunk is at its earliest line's time");
      read.addAll(chunk);
      assertEquals(read.size(), reader.getCheckpointMark().offset(), "the mark is the next record to emit");
      more = reader.advance();
    }
    assertEquals(2, pauses);
    assertFalse(more, "the log is read to its end");
    for (int i = 0; i < total; i++) {
      assertEquals("line " + i, read.get(i).getValue());
      assertEquals(new Instant(1_000L + i / 7), read.get(i).getTimestamp());
    }
  }

  @Test
  void aChunkStopsAtTheGate() throws Exception {
    MemoryReceiveLog log = new MemoryReceiveLog();
    for (int i = 0; i < 50; i++) {
      log.append(List.of("w" + i), 5L);
    }
    BatchGate gate = new BatchGate();
    gate.control(0);
    gate.open(30, 0);
    GatedLogReader reader = new GatedLogReader(null, "test", channelOf(log, gate), log, 0, 0);
    assertTrue(reader.start());
    assertEquals(30, reader.getCurrent().size(), "only the lines below the batch's end offset");
    assertFalse(reader.advance(), "nothing past the gate");
  }
}
