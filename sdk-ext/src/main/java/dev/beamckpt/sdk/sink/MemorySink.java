package dev.beamckpt.sdk.sink;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps output in a named in-memory table (Spark's memory sink): complete mode replaces the table
 * each batch, update and append add to it. Read it with {@link #table(String)}.
 */
public final class MemorySink implements Sink {
  private static final Map<String, List<Map<String, Object>>> TABLES = new ConcurrentHashMap<>();
  private final String name;

  private MemorySink(String name) {
    this.name = name;
  }

  public static MemorySink named(String name) {
    return new MemorySink(name);
  }

  /** A copy of the table's rows; empty if no batch has written it. */
  public static List<Map<String, Object>> table(String name) {
    List<Map<String, Object>> t = TABLES.get(name);
    if (t == null) {
      return List.of();
    }
    synchronized (t) {
      return List.copyOf(t);
    }
  }

  public static void clear(String name) {
    TABLES.remove(name);
  }

  @Override
  public String description() {
    return "MemorySink[" + name + "]";
  }

  @Override
  public void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) {
    List<Map<String, Object>> t = TABLES.computeIfAbsent(name, n -> new ArrayList<>());
    synchronized (t) {
      if (mode == OutputMode.COMPLETE) {
        t.clear();
      }
      rows.forEach(r -> t.add(Cells.of(r, columns)));
    }
  }
}
