package dev.beamckpt.sdk.table;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.sink.MemorySink;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.joda.time.Duration;
import org.junit.jupiter.api.Test;

/** Whether a batch without new input is worth running: only if the watermark can close a window. */
class TableBatchSinkTest {
  @Test
  void theGlobalWindowNeverClosesByWatermark() {
    assertFalse(sink(new GlobalWindows()).watermarkMayEmit(0, 10_000, 5_000));
  }

  @Test
  void fixedWindowsCloseWhenTheWatermarkReachesAnEndThatHoldsRecords() {
    TableBatchSink s = sink(FixedWindows.of(Duration.standardSeconds(2)));
    assertTrue(s.watermarkMayEmit(Long.MIN_VALUE, 5_000, 4_500), "first batch with records");
    assertFalse(s.watermarkMayEmit(2_000, 3_999, 3_000), "window [2s, 4s) is still open at 3.999 s");
    assertTrue(s.watermarkMayEmit(2_000, 4_000, 3_000), "and closes at 4 s");
    assertFalse(s.watermarkMayEmit(4_000, 9_000, 3_000), "no record sits in a later window");
    assertFalse(s.watermarkMayEmit(4_000, 4_000, 3_000), "the watermark did not move");
  }

  private static TableBatchSink sink(WindowFn<?, ?> windowFn) {
    return new TableBatchSink(new ResultTable(OutputMode.APPEND), MemorySink.named("t"), OutputMode.APPEND,
        List.of("word", "count"), windowFn);
  }
}
