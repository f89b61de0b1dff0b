package dev.beamckpt.sdk;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapters;
import dev.beamckpt.checkpoint.execution.BatchCommitter;
import dev.beamckpt.checkpoint.execution.BatchSink;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.ResultSteps;
import dev.beamckpt.checkpoint.execution.Trigger;
import dev.beamckpt.sdk.sink.ConsoleSink;
import dev.beamckpt.sdk.sink.Sink;
import dev.beamckpt.sdk.table.ResultTable;
import dev.beamckpt.sdk.table.ResultTableFn;
import dev.beamckpt.sdk.table.ResultTables;
import dev.beamckpt.sdk.table.StatefulResultTable;
import dev.beamckpt.sdk.table.TableBatchSink;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VoidCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.DefaultTrigger;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Duration;

/**
 * Starts an aggregation's results as a streaming query, like Spark's {@code df.writeStream}:
 *
 * <pre>{@code
 * StreamingQuery query = WriteStream.of(counts)
 *     .columns("word", "count")
 *     .outputMode(OutputMode.COMPLETE)
 *     .sink(ConsoleSink.create())
 *     .start();
 * }</pre>
 *
 * Rows that no aggregation produced (a filter, a projection) start with {@link #ofValues}: each
 * element is one row, appended once to the batch that read it, as Spark writes a query without
 * state.
 *
 * <p>{@code --checkpointLocation}, {@code --trigger}, {@code --queryName} and {@code --outputMode}
 * come from the pipeline's {@link StreamingQueryOptions}; values set here win.
 */
public final class WriteStream<K, V> {
  private final PCollection<KV<K, V>> results;
  private List<String> columns = List.of("key", "value");
  private OutputMode outputMode;
  private Sink sink = ConsoleSink.create();
  private String queryName;
  private String checkpointLocation;
  private StreamingQueryManager manager = StreamingQueryManager.get();

  private WriteStream(PCollection<KV<K, V>> results) {
    this.results = results;
  }

  public static <K, V> WriteStream<K, V> of(PCollection<KV<K, V>> results) {
    return new WriteStream<>(results);
  }

  /**
   * Each element of {@code rows} as a row of one column, {@code value} unless {@link #column}
   * names it (Spark's socket source calls its column so).
   */
  public static <T> WriteStream<T, Void> ofValues(PCollection<T> rows) {
    PCollection<KV<T, Void>> asRows = rows.apply("AsTableRows", ParDo.of(new AsRowFn<T>()))
        .setCoder(KvCoder.of(rows.getCoder(), VoidCoder.of()));
    WriteStream<T, Void> stream = new WriteStream<>(asRows);
    stream.columns = List.of("value");
    return stream;
  }

  /** The column's name for {@link #ofValues} rows. */
  public WriteStream<K, V> column(String name) {
    if (columns.size() != 1) {
      throw new IllegalArgumentException("column(\"" + name + "\") names the one column of WriteStream.ofValues rows;"
          + " an aggregation's rows have two: use columns(key, value).");
    }
    this.columns = List.of(name);
    return this;
  }

  public WriteStream<K, V> columns(String keyColumn, String valueColumn) {
    if (columns.size() != 2) {
      throw new IllegalArgumentException("columns(\"" + keyColumn + "\", \"" + valueColumn + "\") names an"
          + " aggregation's key and value; WriteStream.ofValues rows have one column: use column(name).");
    }
    this.columns = List.of(keyColumn, valueColumn);
    return this;
  }

  public WriteStream<K, V> outputMode(OutputMode mode) {
    this.outputMode = mode;
    return this;
  }

  public WriteStream<K, V> sink(Sink sink) {
    this.sink = sink;
    return this;
  }

  public WriteStream<K, V> queryName(String name) {
    this.queryName = name;
    return this;
  }

  /** Where the query keeps its checkpoint (Spark's {@code option("checkpointLocation", ...)}); wins over the option. */
  public WriteStream<K, V> checkpointLocation(String location) {
    this.checkpointLocation = location;
    return this;
  }

  /** The manager the started query joins; {@link StreamingQueryManager#get()} unless set. */
  public WriteStream<K, V> manager(StreamingQueryManager manager) {
    this.manager = manager;
    return this;
  }

  /** The output mode this query will run with: set here, else --outputMode, else append (Spark's default). */
  public static OutputMode outputModeOf(StreamingQueryOptions options, OutputMode fallback) {
    return options.getOutputMode() != null ? OutputMode.parse(options.getOutputMode()) : fallback;
  }

  public StreamingQuery start() throws IOException {
    StreamingQueryOptions options = results.getPipeline().getOptions().as(StreamingQueryOptions.class);
    CheckpointOptions.check(options);
    OutputMode mode = outputMode != null ? outputMode : outputModeOf(options, OutputMode.APPEND);
    String name = queryName != null ? queryName : options.getQueryName() != null ? options.getQueryName() : "query";
    Trigger trigger = Trigger.parse(options.getTrigger());
    if (checkpointLocation != null) {
      options.setCheckpointLocation(checkpointLocation); // the pipeline's steps find the location in its options
    }
    manager.refuseActiveName(name);
    String why = sink.whyItNeedsALocation();
    if (why != null && options.getCheckpointLocation() == null) {
      throw new IllegalArgumentException("Query '" + name + "': " + sink.description() + " needs a"
          + " --checkpointLocation: " + why + ". Give one, e.g. --checkpointLocation=/tmp/ckpt/" + name + ".");
    }
    Optional<String> aggregation = Aggregations.upstreamOf(results);
    validate(name, mode, results.getWindowingStrategy(), aggregation);
    if (aggregation.isEmpty() && mode == OutputMode.UPDATE) {
      mode = OutputMode.APPEND; // Spark: without an aggregation, update mode is append mode
    }
    if (options.getUiPort() != null) {
      manager.serveUi(options.getUiPort()); // before the query starts: a taken port stops nothing running
    }

    CheckpointAdapter adapter = CheckpointAdapters.forOptions(options);
    QuerySpec query = new QuerySpec(results.getPipeline(), name, options.getCheckpointLocation(),
        options.getMinBatchesToRetain(), trigger, null);
    Steps steps = new Steps(name, mode);
    QuerySpec spec = query.withSink(adapter.applyResultSteps(query, steps));
    try {
      StreamingQuery started = new StreamingQuery(adapter.start(spec), options.getCheckpointLocation(), options);
      manager.register(started);
      return started;
    } catch (IOException | RuntimeException e) {
      steps.discard();
      throw e;
    }
  }

  /** Builds the result steps where the runner's adapter wants the table. */
  private final class Steps implements ResultSteps {
    private final String name;
    private final OutputMode mode;
    private String tableKey;

    Steps(String name, OutputMode mode) {
      this.name = name;
      this.mode = mode;
    }

    @Override
    public BatchSink tableInDriver() {
      tableKey = name + "-" + UUID.randomUUID();
      ResultTable table = new ResultTable(mode);
      ResultTables.register(tableKey, table);
      results.apply("WriteStream to " + sink.description(), ParDo.of(new ResultTableFn<>(tableKey)));
      return new TableBatchSink(table, sink, mode, columns, results.getWindowingStrategy().getWindowFn());
    }

    @Override
    public void tableInRunnerState(java.time.Duration completeEvery, BatchCommitter committer) {
      results.apply("WriteStream to " + sink.description(),
          new StatefulResultTable<>(mode, Duration.millis(completeEvery.toMillis()), sink, columns, committer));
    }

    /** The query did not start: its table in this JVM goes. */
    void discard() {
      if (tableKey != null) {
        ResultTables.remove(tableKey);
      }
    }
  }

  /** A value as a row: the value in the key column, no value column. */
  private static final class AsRowFn<T> extends DoFn<T, KV<T, Void>> {
    @ProcessElement
    public void process(@Element T value, OutputReceiver<KV<T, Void>> out) {
      out.output(KV.of(value, null));
    }
  }

  private static void validate(String name, OutputMode mode, WindowingStrategy<?, ?> strategy,
      Optional<String> aggregation) {
    if (aggregation.isEmpty()) {
      if (mode == OutputMode.COMPLETE) {
        throw new IllegalArgumentException("Complete output mode not supported when there are no streaming aggregations:"
            + " query '" + name + "' has no aggregation, so it has no result table to show whole."
            + " Use --outputMode=append (each row once, in the batch that read it).");
      }
      return;
    }
    boolean global = strategy.getWindowFn() instanceof GlobalWindows;
    if (mode == OutputMode.APPEND && global) {
      throw new IllegalArgumentException("Append output mode not supported when there are streaming aggregations"
          + " without watermark: query '" + name + "' aggregates over the global window, so no row is ever final."
          + " Use --outputMode=complete or --outputMode=update, or aggregate in event-time windows"
          + " (QueryWindowing.into(FixedWindows.of(...), OutputMode.APPEND)) that the watermark closes.");
    }
    if (global && strategy.getTrigger() instanceof DefaultTrigger) {
      throw new IllegalArgumentException("Query '" + name + "' aggregates over the global window with Beam's default"
          + " trigger, which never fires on a stream. Apply QueryWindowing.global(mode) before the aggregation.");
    }
  }
}
