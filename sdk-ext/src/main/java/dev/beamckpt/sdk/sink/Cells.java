package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.table.TableRow;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A row as named cells, the shape memory and file sinks store ("window", then the columns). */
final class Cells {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private Cells() {}

  static Map<String, Object> of(TableRow row, List<String> columns) {
    Map<String, Object> cells = new LinkedHashMap<>();
    if (row.windowed()) {
      Map<String, Object> window = new LinkedHashMap<>();
      window.put("start", Instant.ofEpochMilli(row.windowStartMs()).toString());
      window.put("end", Instant.ofEpochMilli(row.windowEndMs()).toString());
      cells.put("window", window);
    }
    List<Object> values = values(row, columns);
    for (int i = 0; i < columns.size(); i++) {
      cells.put(columns.get(i), values.get(i));
    }
    return cells;
  }

  /**
   * The row's values in column order: an aggregation's key and value, or the one value of a row
   * no aggregation produced (WriteStream.ofValues).
   */
  static List<Object> values(TableRow row, List<String> columns) {
    return columns.size() == 1 ? Collections.singletonList(row.key())
        : Arrays.asList(row.key(), row.value());
  }

  /** Spark's console rendering of a window struct: {start, end} in local time. */
  static String window(TableRow row) {
    return "{" + LOCAL.format(Instant.ofEpochMilli(row.windowStartMs())) + ", "
        + LOCAL.format(Instant.ofEpochMilli(row.windowEndMs())) + "}";
  }
}
