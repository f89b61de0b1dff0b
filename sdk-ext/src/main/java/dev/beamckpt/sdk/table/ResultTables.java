package dev.beamckpt.sdk.table;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The result tables of the queries running in this JVM, found by key from the (serialized) DoFns
 * that feed them: on the DirectRunner the pipeline runs in the query's own process.
 */
public final class ResultTables {
  private static final Map<String, ResultTable> TABLES = new ConcurrentHashMap<>();

  private ResultTables() {}

  public static void register(String key, ResultTable table) {
    TABLES.put(key, table);
  }

  public static ResultTable get(String key) {
    ResultTable t = TABLES.get(key);
    if (t == null) {
      throw new IllegalStateException("No result table '" + key + "' in this JVM: the sink step must run in the"
          + " query's process (DirectRunner).");
    }
    return t;
  }

  public static void remove(String key) {
    TABLES.remove(key);
  }
}
