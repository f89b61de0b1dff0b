package dev.beamckpt.sdk.table;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.sdk.table.StatefulResultTable.Batch;
import dev.beamckpt.sdk.table.StatefulResultTable.RowUpdate;
import java.util.List;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** A batch keeps its rows encoded through the stable-input buffer and gives them back whole. */
class TableCodersTest {
  @Test
  void aBatchRoundTripsWithEveryRowField() throws Exception {
    List<RowUpdate> rows = List.of(new RowUpdate(null, null, new byte[] {1, 2}, new byte[] {3}, false),
        new RowUpdate(0L, 10_000L, new byte[] {}, new byte[] {4, 5, 6}, true));
    Batch sent = Batch.of(7, 1234, rows);
    Batch got = CoderUtils.clone(TableCoders.BatchCoder.INSTANCE, sent);
    assertEquals(7, got.seq());
    assertEquals(1234, got.createdAtMs());
    assertEquals(2, got.rowCount());
    List<RowUpdate> back = got.rows();
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).windowStartMs(), back.get(i).windowStartMs());
      assertEquals(rows.get(i).windowEndMs(), back.get(i).windowEndMs());
      assertArrayEquals(rows.get(i).key(), back.get(i).key());
      assertArrayEquals(rows.get(i).value(), back.get(i).value());
      assertEquals(rows.get(i).finalPane(), back.get(i).finalPane());
    }
  }

  @Test
  void displayOrderIsWindowThenLargestValueThenKey() {
    List<TableRow> rows = new java.util.ArrayList<>(List.of(new TableRow(10L, 20L, "a", 9L), new TableRow(0L, 10L, "b", 1L),
        new TableRow(0L, 10L, "c", 5L), new TableRow(0L, 10L, "a", 1L), new TableRow(null, null, "z", 0L)));
    rows.sort(TableRow.DISPLAY_ORDER);
    assertEquals(List.of(new TableRow(null, null, "z", 0L), new TableRow(0L, 10L, "c", 5L), new TableRow(0L, 10L, "a", 1L),
        new TableRow(0L, 10L, "b", 1L), new TableRow(10L, 20L, "a", 9L)), rows);
  }
}
