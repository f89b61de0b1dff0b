package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.table.TableRow;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
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
    cells.put(columns.get(0), row.key());
    cells.put(columns.get(1), row.value());
    return cells;
  }

  /** Spark's console rendering of a window struct: {start, end} in local time. */
  static String window(TableRow row) {
    return "{" + LOCAL.format(Instant.ofEpochMilli(row.windowStartMs())) + ", "
        + LOCAL.format(Instant.ofEpochMilli(row.windowEndMs())) + "}";
  }
}
