package dev.beamckpt.sdk.table;

import dev.beamckpt.checkpoint.execution.BatchCommitter;
import dev.beamckpt.checkpoint.fingerprint.ResultStep;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.sink.Sink;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.SetState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * The result table kept in the runner's checkpointed state, for runners that restore state
 * themselves (Flink, Dataflow). One stateful step holds every row under a single key and hands on
 * what changed as numbered table outputs (update: the rows changed, append: the rows of windows the
 * watermark closed, both as they arrive; complete: every row, after every change or at most every
 * {@code completeEvery}).
 * The delivering step requires stable input: the runner hands it the outputs a checkpoint holds
 * only once that checkpoint completed, all of them in one bundle, and that bundle is the batch.
 * So a batch is never written, then rolled back, and it waits for at most one checkpoint: cutting
 * batches on a timer of their own would add a trigger interval to every row's latency (Spark's
 * micro-batch is one batch per checkpoint too). The sequence numbers continue across restores in
 * the same state; a commit records the last one its batch holds, so outputs the runner delivers
 * again after a restore are recognised as committed.
 */
public final class StatefulResultTable<K, V> extends PTransform<PCollection<KV<K, V>>, PDone> implements ResultStep {
  private final OutputMode mode;
  private final Duration completeEvery;
  private final Sink sink;
  private final List<String> columns;
  private final BatchCommitter committer;

  /**
   * @param completeEvery complete mode: how often at most the whole table is handed on; zero: after
   *     every change (see {@link TableFn})
   * @param committer records delivered batches in the location; null when the query has none
   */
  public StatefulResultTable(OutputMode mode, Duration completeEvery, Sink sink, List<String> columns,
      BatchCommitter committer) {
    this.mode = mode;
    this.completeEvery = completeEvery;
    this.sink = sink;
    this.columns = List.copyOf(columns);
    this.committer = committer;
  }

  @Override
  @SuppressWarnings("unchecked")
  public PDone expand(PCollection<KV<K, V>> results) {
    KvCoder<K, V> coder = (KvCoder<K, V>) results.getCoder();
    results
        .apply("ToRowUpdates", ParDo.of(new ToRowUpdateFn<>(coder)))
        .setCoder(KvCoder.of(VarIntCoder.of(), ListCoder.of(TableCoders.RowUpdateCoder.INSTANCE)))
        .apply("OneTable", Window.into(new GlobalWindows()))
        .apply("ResultTable", ParDo.of(new TableFn(mode, completeEvery, committer)))
        .setCoder(TableCoders.BatchCoder.INSTANCE)
        .apply("DeliverBatches", ParDo.of(new DeliverFn<>(sink, mode, columns, coder, committer)));
    return PDone.in(results.getPipeline());
  }

  /** A pane of the aggregation, encoded with its coders, keyed for the single table. */
  record RowUpdate(Long windowStartMs, Long windowEndMs, byte[] key, byte[] value, boolean finalPane) {
    String rowId() {
      return windowStartMs + "/" + windowEndMs + "/" + Base64.getEncoder().encodeToString(key);
    }
  }

  /**
   * One table output. The rows stay encoded while the batch waits for its checkpoint: the
   * runner copies a stable-input step's buffer at every checkpoint, and a byte array copies at
   * memory speed where a list of rows is encoded and decoded row by row.
   */
  record Batch(long seq, long createdAtMs, int rowCount, byte[] encodedRows) {
    private static final Coder<List<RowUpdate>> ROWS = ListCoder.of(TableCoders.RowUpdateCoder.INSTANCE);

    static Batch of(long seq, long createdAtMs, List<RowUpdate> rows) throws CoderException {
      return new Batch(seq, createdAtMs, rows.size(), CoderUtils.encodeToByteArray(ROWS, rows));
    }

    List<RowUpdate> rows() throws CoderException {
      return CoderUtils.decodeFromByteArray(ROWS, encodedRows);
    }
  }

  /**
   * Encodes a bundle's panes and hands them to the table as one list per window when the bundle
   * finishes (before every checkpoint, so none is held outside it): the single-key table then
   * binds its state once per list, not once per row.
   */
  static final class ToRowUpdateFn<K, V> extends DoFn<KV<K, V>, KV<Integer, List<RowUpdate>>> {
    private final KvCoder<K, V> coder;
    private transient Map<BoundedWindow, Rows> bundle;

    /** A window's rows in this bundle and the earliest timestamp among them. */
    private static final class Rows {
      final ArrayList<RowUpdate> rows = new ArrayList<>();
      Instant timestamp;
    }

    ToRowUpdateFn(KvCoder<K, V> coder) {
      this.coder = coder;
    }

    @Setup
    public void setup() {
      bundle = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element KV<K, V> row, @Timestamp Instant timestamp, BoundedWindow window, PaneInfo pane)
        throws IOException {
      Long start = window instanceof IntervalWindow w ? w.start().getMillis() : null;
      Long end = window instanceof IntervalWindow w ? w.end().getMillis() : null;
      Rows rows = bundle.computeIfAbsent(window, w -> new Rows());
      rows.rows.add(new RowUpdate(start, end, CoderUtils.encodeToByteArray(coder.getKeyCoder(), row.getKey()),
          CoderUtils.encodeToByteArray(coder.getValueCoder(), row.getValue()), pane.isLast()));
      if (rows.timestamp == null || timestamp.isBefore(rows.timestamp)) {
        rows.timestamp = timestamp;
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      for (Map.Entry<BoundedWindow, Rows> window : bundle.entrySet()) {
        context.output(KV.of(0, (List<RowUpdate>) window.getValue().rows), window.getValue().timestamp, window.getKey());
      }
      bundle.clear();
    }
  }

  /**
   * Complete mode hands the whole table on after every change where a batch is what a checkpoint
   * holds (Flink: {@code completeEvery} zero). Neither a checkpoint's barrier nor a stop with a
   * savepoint waits for a timer (a stop fires none), so rows held for one were left out of the
   * checkpoint's batch, and after a stop out of every batch until the next start: at parallelism 2
   * the other task's rows of the last lines, which reached the table just after a timer fired. A
   * change is one upstream task's bundle of rows, and bundles end at the barriers, so this is about
   * one whole table per upstream task (and window) per checkpoint; the delivery writes the last.
   * Where the runner makes a batch of every delivered bundle (Dataflow) a timer holds changes for
   * {@code completeEvery}, or every bundle would write the whole table.
   */
  static final class TableFn extends DoFn<KV<Integer, List<RowUpdate>>, Batch> {
    private final OutputMode mode;
    private final Duration completeEvery;
    private final BatchCommitter committer;

    @StateId("rows")
    private final StateSpec<MapState<String, RowUpdate>> rowsSpec =
        StateSpecs.map(StringUtf8Coder.of(), TableCoders.RowUpdateCoder.INSTANCE);

    @StateId("changed")
    private final StateSpec<SetState<String>> changedSpec = StateSpecs.set(StringUtf8Coder.of());

    @StateId("appended")
    private final StateSpec<BagState<RowUpdate>> appendedSpec = StateSpecs.bag(TableCoders.RowUpdateCoder.INSTANCE);

    @StateId("nextBatch")
    private final StateSpec<ValueState<Long>> nextBatchSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("armed")
    private final StateSpec<ValueState<Boolean>> armedSpec = StateSpecs.value(BooleanCoder.of());

    @TimerId("trigger")
    private final TimerSpec triggerSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    /**
     * The first output number no commit holds, read once per task start. Outputs are numbered at
     * least from here, whatever counter a restored state carries: the delivering step takes an
     * output a commit's number covers as delivered.
     */
    private transient Long aboveCommitted;

    TableFn(OutputMode mode, Duration completeEvery, BatchCommitter committer) {
      this.mode = mode;
      this.completeEvery = completeEvery;
      this.committer = committer;
    }

    @ProcessElement
    public void process(@Element KV<Integer, List<RowUpdate>> element,
        @StateId("rows") MapState<String, RowUpdate> rows,
        @StateId("changed") SetState<String> changed,
        @StateId("appended") BagState<RowUpdate> appended,
        @StateId("nextBatch") ValueState<Long> nextSeq,
        @StateId("armed") ValueState<Boolean> armed,
        @TimerId("trigger") Timer trigger,
        OutputReceiver<Batch> out) throws IOException {
      if (mode != OutputMode.COMPLETE) {
        // Changed and appended rows go on at once, without passing through state: the checkpoint
        // that holds them makes the batch, and delivery keeps a row changed twice once.
        emit(mode == OutputMode.APPEND
            ? element.getValue().stream().filter(RowUpdate::finalPane).toList() : element.getValue(), nextSeq, out);
        return;
      }
      ResultFold.Rows<String, RowUpdate> table = state(mode, rows, changed, appended);
      for (RowUpdate update : element.getValue()) {
        ResultFold.accept(mode, table, update.rowId(), update, update.finalPane());
      }
      if (completeEvery.getMillis() == 0) {
        emit(ResultFold.drain(mode, table), nextSeq, out);
        return;
      }
      if (!Boolean.TRUE.equals(armed.read())) {
        // An interval after the first row since the last batch, not at the next wall-clock multiple
        // of it: an aligned timer can fire a millisecond after a burst began and cut a line in two.
        trigger.offset(completeEvery).setRelative();
        armed.write(true);
      }
    }

    /**
     * The table's state as the fold sees it: Beam state cells of this single-key step. Complete
     * mode keeps every row here. Update rows now go on without it; a checkpoint from before that
     * may still hold update rows (every row held is a changed one, so no set of changed ids is
     * kept), which its restored timer hands on once.
     */
    private static ResultFold.Rows<String, RowUpdate> state(OutputMode mode, MapState<String, RowUpdate> rows,
        SetState<String> changed, BagState<RowUpdate> appended) {
      return new ResultFold.Rows<>() {
        @Override
        public void put(String id, RowUpdate row) {
          rows.put(id, row);
        }

        @Override
        public RowUpdate get(String id) {
          return rows.get(id).read();
        }

        @Override
        public Iterable<RowUpdate> all() {
          return rows.values().read();
        }

        @Override
        public void markChanged(String id) {
          if (mode != OutputMode.UPDATE) {
            changed.add(id);
          }
        }

        @Override
        public Iterable<String> changed() {
          return mode == OutputMode.UPDATE ? rows.keys().read() : changed.read();
        }

        @Override
        public void append(RowUpdate row) {
          appended.add(row);
        }

        @Override
        public Iterable<RowUpdate> appended() {
          return appended.read();
        }

        @Override
        public void clearBatch() {
          changed.clear();
          appended.clear();
          if (mode == OutputMode.UPDATE) {
            rows.clear();
          }
        }
      };
    }

    /**
     * Complete mode held for {@code completeEvery}: the whole table, only after new rows. Also fires a
     * timer restored from a checkpoint taken while the table held changes for one.
     */
    @OnTimer("trigger")
    public void onTrigger(
        @StateId("rows") MapState<String, RowUpdate> rows,
        @StateId("changed") SetState<String> changed,
        @StateId("appended") BagState<RowUpdate> appended,
        @StateId("nextBatch") ValueState<Long> nextSeq,
        @StateId("armed") ValueState<Boolean> armed,
        OutputReceiver<Batch> out) throws IOException {
      armed.clear();
      emit(ResultFold.drain(mode, state(mode, rows, changed, appended)), nextSeq, out);
    }

    /** Hands on rows as the table's next output, numbered (the state id predates the numbering's use). */
    private void emit(List<RowUpdate> rows, ValueState<Long> nextSeq, OutputReceiver<Batch> out) throws IOException {
      if (rows.isEmpty()) {
        return;
      }
      if (aboveCommitted == null) {
        aboveCommitted = committer != null ? committer.firstTableSeq() : 1L;
      }
      Long stored = nextSeq.read();
      long seq = Math.max(stored == null ? 1L : stored, aboveCommitted);
      out.output(Batch.of(seq, System.currentTimeMillis(), rows));
      nextSeq.write(seq + 1);
    }
  }

  /**
   * Delivers what one completed checkpoint released as one batch: the runner hands a stable-input
   * step each checkpoint's buffered outputs in a bundle of their own, in order, after the
   * checkpoint completed, and again after a restore from it.
   */
  static final class DeliverFn<K, V> extends DoFn<Batch, Void> {
    private final Sink sink;
    private final OutputMode mode;
    private final List<String> columns;
    private final KvCoder<K, V> coder;
    private final BatchCommitter committer;
    private transient List<Batch> released;
    /** Without a location: this task's own batch counter. */
    private transient long nextLocalId;

    DeliverFn(Sink sink, OutputMode mode, List<String> columns, KvCoder<K, V> coder, BatchCommitter committer) {
      this.sink = sink;
      this.mode = mode;
      this.columns = columns;
      this.coder = coder;
      this.committer = committer;
    }

    @Setup
    public void setup() {
      released = new ArrayList<>();
      nextLocalId = 1;
    }

    @StartBundle
    public void startBundle() {
      released.clear();
    }

    @ProcessElement
    @RequiresStableInput
    public void process(@Element Batch output) {
      released.add(output);
    }

    @FinishBundle
    public void finishBundle() throws IOException {
      if (released.isEmpty()) {
        return;
      }
      List<Batch> fresh = released;
      long id;
      if (committer != null) {
        // After a restore the runner releases what the restored checkpoint held: outputs a commit
        // holds (skipped) and, in the same bundle, ones it does not, which make the next batch.
        BatchCommitter.Committed latest = committer.latest();
        fresh = released.stream().filter(b -> b.seq() > latest.tableSeq()).toList();
        id = latest.batchId() + 1;
      } else {
        id = nextLocalId;
      }
      if (!fresh.isEmpty()) {
        // A complete output is the whole table: the last one released is the batch.
        List<TableRow> rows = merge(mode == OutputMode.COMPLETE ? fresh.subList(fresh.size() - 1, fresh.size()) : fresh);
        sink.addBatch(id, mode, columns, rows);
        if (committer != null) {
          committer.commit(id, fresh.get(0).createdAtMs(), rows.size(), fresh.get(fresh.size() - 1).seq());
        } else {
          nextLocalId++;
        }
      }
      released.clear();
    }

    /** The outputs folded in order: a row changed twice shows its last value, once. */
    private List<TableRow> merge(List<Batch> outputs) throws IOException {
      ResultTable batch = new ResultTable(mode);
      for (Batch output : outputs) {
        for (RowUpdate u : output.rows()) {
          batch.accept(u.windowStartMs(), u.windowEndMs(),
              CoderUtils.decodeFromByteArray(coder.getKeyCoder(), u.key()),
              CoderUtils.decodeFromByteArray(coder.getValueCoder(), u.value()), true);
        }
      }
      return batch.drainBatch();
    }
  }
}
