package dev.beamckpt.sdk.table;

import java.util.Comparator;

/**
 * One row of a query's result table: an aggregation's key and value, in an event-time window
 * ({@code windowStartMs}/{@code windowEndMs}, null for the global window).
 */
public record TableRow(Long windowStartMs, Long windowEndMs, Object key, Object value) {

  /**
   * Windows in time order, then the largest values first, then keys: top words lead each window.
   * One method, not a chain of comparators: a batch of a large table sorts a hundred thousand rows.
   */
  public static final Comparator<TableRow> DISPLAY_ORDER = TableRow::compareForDisplay;

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareForDisplay(TableRow a, TableRow b) {
    if (a.windowStartMs != null || b.windowStartMs != null) {
      if (a.windowStartMs == null || b.windowStartMs == null) {
        return a.windowStartMs == null ? -1 : 1;
      }
      int byWindow = Long.compare(a.windowStartMs, b.windowStartMs);
      if (byWindow != 0) {
        return byWindow;
      }
    }
    if (a.value instanceof Comparable ca && b.value != null && a.value.getClass() == b.value.getClass()) {
      int byValue = ((Comparable) b.value).compareTo(ca);
      if (byValue != 0) {
        return byValue;
      }
    }
    return a.key instanceof String sa && b.key instanceof String sb ? sa.compareTo(sb)
        : String.valueOf(a.key).compareTo(String.valueOf(b.key));
  }

  public boolean windowed() {
    return windowStartMs != null;
  }
}
