package dev.beamckpt.sdk.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.sdk.OutputMode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accumulating panes folded into Spark's output modes. */
class ResultTableTest {
  @Test
  void completeShowsTheWholeTableEveryBatch() {
    ResultTable t = new ResultTable(OutputMode.COMPLETE);
    t.accept(null, null, "hello", 1L, false);
    t.accept(null, null, "hello", 2L, false);
    t.accept(null, null, "world", 1L, false);
    assertEquals(List.of(row("hello", 2L), row("world", 1L)), t.drainBatch());
    t.accept(null, null, "spark", 1L, false);
    assertEquals(List.of(row("hello", 2L), row("spark", 1L), row("world", 1L)), t.drainBatch());
    assertEquals(3, t.size());
  }

  @Test
  void updateShowsOnlyRowsChangedInTheBatch() {
    ResultTable t = new ResultTable(OutputMode.UPDATE);
    t.accept(null, null, "hello", 1L, false);
    t.accept(null, null, "world", 1L, false);
    t.drainBatch();
    t.accept(null, null, "hello", 2L, false);
    assertEquals(List.of(row("hello", 2L)), t.drainBatch());
    assertEquals(1, t.lastUpdated());
    assertEquals(List.of(), t.drainBatch());
  }

  @Test
  void rowsNoAggregationProducedKeepTheOrderTheyCameIn() {
    ResultTable t = new ResultTable(OutputMode.APPEND);
    t.accept(null, null, "zeta", null, true);
    t.accept(null, null, "alpha", null, true);
    t.accept(null, null, "zeta", null, true);
    assertEquals(List.of(new TableRow(null, null, "zeta", null), new TableRow(null, null, "alpha", null),
        new TableRow(null, null, "zeta", null)), t.drainBatch());
  }

  @Test
  void appendShowsEachFinalPaneOnce() {
    ResultTable t = new ResultTable(OutputMode.APPEND);
    t.accept(0L, 10L, "hello", 1L, false); // an early pane is never appended
    t.accept(0L, 10L, "hello", 2L, true);
    t.accept(10L, 20L, "hello", 1L, true);
    assertEquals(List.of(new TableRow(0L, 10L, "hello", 2L), new TableRow(10L, 20L, "hello", 1L)), t.drainBatch());
    assertEquals(List.of(), t.drainBatch());
  }

  private static TableRow row(String key, long value) {
    return new TableRow(null, null, key, value);
  }
}
