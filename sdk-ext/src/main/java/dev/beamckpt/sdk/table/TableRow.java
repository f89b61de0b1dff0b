package dev.beamckpt.sdk.table;

import java.util.Comparator;

/**
 * One row of a query's result table: an aggregation's key and value, in an event-time window
 * ({@code windowStartMs}/{@code windowEndMs}, null for the global window).
 */
public record TableRow(Long windowStartMs, Long windowEndMs, Object key, Object value) {

  /** Windows in time order, then the largest values first, then keys: top words lead each window. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static final Comparator<TableRow> DISPLAY_ORDER = Comparator
      .comparing(TableRow::windowStartMs, Comparator.nullsFirst(Comparator.<Long>naturalOrder()))
      .thenComparing((a, b) -> a.value() instanceof Comparable ca && b.value() != null && a.value().getClass() == b.value().getClass()
          ? ((Comparable) b.value()).compareTo(ca) : 0)
      .thenComparing(r -> String.valueOf(r.key()));

  public boolean windowed() {
    return windowStartMs != null;
  }
}
