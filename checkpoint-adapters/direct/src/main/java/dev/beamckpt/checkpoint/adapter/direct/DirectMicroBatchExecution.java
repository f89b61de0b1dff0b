package dev.beamckpt.checkpoint.adapter.direct;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.RecoveryPlan;
import dev.beamckpt.checkpoint.combine.CombinerLifting;
import dev.beamckpt.checkpoint.combine.RunningState;
import dev.beamckpt.checkpoint.execution.AbstractQueryExecution;
import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.QueryStatus;
import dev.beamckpt.checkpoint.execution.ReplayProgress;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.LoggedSource;
import dev.beamckpt.checkpoint.source.LoggedSources;
import dev.beamckpt.checkpoint.source.SourceChannel;
import dev.beamckpt.checkpoint.state.StateStores;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.checkpoint.storage.OutOfSpace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.StreamingOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micro-batches on the DirectRunner. One streaming pipeline runs for the query's lifetime; each
 * batch opens the sources' gates to the batch's end offsets and watermark, waits until the
 * pipeline has processed everything up to them, hands the results to the sink and commits.
 * Recovery replays the retained committed batches with the sink muted, then re-runs a planned but
 * uncommitted batch with its recorded offsets, and continues from there.
 */
final class DirectMicroBatchExecution extends AbstractQueryExecution {
  private static final Logger LOG = LoggerFactory.getLogger(DirectMicroBatchExecution.class);
  private static final long IDLE_POLL_MS = 50;
  /** availableNow stops once every source has ended or been quiet this long. */
  private static final long AVAILABLE_NOW_QUIET_MS = 2000;
  /** How long stop() lets a batch in flight finish before abandoning it (it re-runs on restart). */
  private static final long STOP_GRACE_MS = 10_000;

  private final CheckpointLocation location;
  private final RecoveryPlan recovery;
  /** The running aggregates' state stores (null: no location, or state the runner keeps itself, rebuilt by replay). */
  private final StateStores state;
  private final Map<String, SourceChannel> channels;
  private final Object wakeup = new Object();
  private final Thread thread;

  private PipelineResult result;
  private volatile boolean stopRequested;
  private volatile long stopRequestedAt;

  private long lastBatchId;
  /** Shown while a recovery replays the receive log; null otherwise. */
  private ReplayProgress replayProgress;
  private final Map<String, Long> replayStart = new LinkedHashMap<>();
  private long watermarkMs = Long.MIN_VALUE;
  private final Map<String, Long> endOffsets = new LinkedHashMap<>();

  private DirectMicroBatchExecution(QuerySpec spec, CheckpointLocation location, RecoveryPlan recovery,
      StateStores state, Map<String, SourceChannel> channels) {
    super(spec, location, UUID.randomUUID().toString(), new QueryStatus("Initializing sources", false, false));
    this.location = location;
    this.recovery = recovery;
    this.state = state;
    this.channels = channels;
    progress.channels(channels);
    this.thread = new Thread(this::runLoop, "query-" + spec.name());
    channels.keySet().forEach(s -> endOffsets.put(s, 0L));
  }

  static DirectMicroBatchExecution start(QuerySpec spec) throws IOException {
    List<LoggedSource> sources = LoggedSources.in(spec.pipeline());
    CheckpointLocation location = null;
    Map<String, SourceChannel> channels = new LinkedHashMap<>();
    try {
      RecoveryPlan recovery = RecoveryPlan.fresh();
      StateStores state = null;
      RunningState running = RunningState.none();
      location = spec.openLocation();
      if (location != null) {
        recovery = RecoveryPlan.read(location);
        state = openState(spec, location, recovery);
        if (state != null) {
          running = new RunningState(true, state.rows());
          // the log below the oldest retained state version is never replayed again
          CheckpointOptions checkpoint = spec.pipeline().getOptions().as(CheckpointOptions.class);
          if (!checkpoint.getKeepReceiveLog()) {
            checkpoint.setReceiveLogRetention(state.operators() == 0 ? StateVersionRetention.StatelessProvider.NAME
                : StateVersionRetention.Provider.NAME);
          }
        }
      }
      CombinerLifting.applyInOneKey(spec.pipeline(), running); // after openLocation took the query's fingerprint
      OffsetSeq resumeAt = state == null ? null : restoredOffsets(state, recovery);
      if (resumeAt != null) {
        Map<String, Long> resume = new LinkedHashMap<>();
        sources.forEach(source -> resume.put(source.sourceId(), resumeAt.endOffset(source.sourceId())));
        spec.pipeline().getOptions().as(CheckpointOptions.class).setResumeOffsets(resume);
      }
      for (LoggedSource source : sources) {
        SourceChannel channel = source.open(spec.pipeline().getOptions());
        channels.put(source.sourceId(), channel);
        long start = resumeAt == null ? 0 : resumeAt.endOffset(source.sourceId());
        if (channel.startOffset() > start) {
          throw new IOException("The receive log of " + source.description() + " in " + spec.checkpointLocation()
              + " starts at record " + channel.startOffset() + (start == 0
                  ? ": a Flink run trimmed it below its oldest checkpoint. The DirectRunner rebuilds this query's state"
                      + " by replaying the whole log, so it cannot continue here:"
                  : ", but the newest state version that reads (" + state.version() + ") ends at record " + start
                      + ": the records in between are gone.")
              + " Continue the query on Flink (--runner=FlinkRunner), or start over with a new --checkpointLocation."
              + " (--keepReceiveLog=true keeps the whole log.)");
        }
        channel.gate().control(start);
      }
      DirectMicroBatchExecution execution = new DirectMicroBatchExecution(spec, location, recovery, state, channels);
      execution.launch();
      return execution;
    } catch (IOException | RuntimeException e) {
      closeQuietly(channels.values());
      if (location != null) {
        location.close();
      }
      throw e;
    }
  }

  /**
   * The running aggregates' state stores at the newest version they can restore, or null when the
   * pipeline keeps other state the DirectRunner holds itself, which only a replay of the whole
   * receive log rebuilds (the start-up log says which steps, and why).
   */
  private static StateStores openState(QuerySpec spec, CheckpointLocation location, RecoveryPlan recovery)
      throws IOException {
    CombinerLifting.StateCoverage coverage = CombinerLifting.stateCoverage(spec.pipeline());
    if (!coverage.complete()) {
      LOG.info("Query '{}' keeps no state versions in {}: {}. A restart rebuilds its state by replaying the receive"
          + " log.", spec.name(), spec.checkpointLocation(), String.join("; ", coverage.other()));
      return null;
    }
    StateStores state = StateStores.load(location.storage(), coverage.running().size(), recovery.lastCommitted(),
        LOG::warn);
    state.discardPending(); // a batch that did not commit runs again
    if (state.version() > 0 && restoredOffsets(state, recovery) == null) {
      LOG.warn("Query '{}': where state version {} ends in the receive log is not recorded any more; rebuilding the"
          + " state by replaying the log", spec.name(), state.version());
      return StateStores.fresh(location.storage(), coverage.running().size());
    }
    return state;
  }

  /** Where the restored version ends: from its state files, else (no operators) from the offsets log. */
  private static OffsetSeq restoredOffsets(StateStores state, RecoveryPlan recovery) {
    if (state.version() == 0) {
      return null;
    }
    return state.offsets().orElse(recovery.replay().get(state.version()));
  }

  private void launch() throws IOException {
    if (location != null) {
      String restored = state != null && state.version() > 0 && state.operators() > 0 ? "state version " + state.version() + " in "
          + CheckpointLocation.STATE + "/" : recovery.lastCommitted() > 0 ? "commits/" + recovery.lastCommitted() : null;
      location.runs().append(new RunInfo(runId(), "DirectRunner", System.currentTimeMillis(),
          LocalStorage.processDescription(), recovery.lastCommitted() > 0 ? recovery.lastCommitted() : -1, restored, null));
    }
    spec.pipeline().getOptions().as(StreamingOptions.class).setStreaming(true);
    spec.pipeline().getOptions().as(DirectOptions.class).setBlockOnRun(false);
    result = spec.pipeline().run();
    thread.start();
  }

  private void runLoop() {
    try {
      recover();
      long nextTrigger = System.currentTimeMillis();
      while (!stopRequested) {
        if (!spec.trigger().isAvailableNow() && !waitUntil(nextTrigger)) {
          break;
        }
        long triggerStart = System.currentTimeMillis();
        long interval = spec.trigger().interval().toMillis();
        nextTrigger = interval > 0 ? Math.max(nextTrigger + interval, triggerStart) : triggerStart + IDLE_POLL_MS;
        if (!runNextBatch()) {
          if (spec.trigger().isAvailableNow() && inputExhausted()) {
            break;
          }
          status = new QueryStatus(idleMessage(), false, false);
          if (spec.trigger().isAvailableNow()) {
            waitUntil(System.currentTimeMillis() + IDLE_POLL_MS);
          }
        }
      }
    } catch (Throwable t) {
      failure = t; // reported by whoever awaits the query (QueryMain prints it); a stop is not a failure
      LOG.debug("Query '{}' ended: {}", spec.name(), t.getMessage(), t);
    } finally {
      shutdown();
    }
  }

  private void recover() throws Exception {
    lastBatchId = recovery.lastCommitted();
    long restored = state == null ? 0 : state.version();
    if (restored > 0) {
      OffsetSeq at = restoredOffsets(state, recovery);
      status = new QueryStatus("Restoring state version " + restored + " (" + state.rowCount() + " rows)", true, true);
      LOG.info("Query '{}': restoring state version {} ({} rows); {} committed batches after it are replayed from the"
          + " receive log", spec.name(), restored, state.rowCount(), recovery.lastCommitted() - restored);
      channels.keySet().forEach(sid -> endOffsets.put(sid, at.endOffset(sid)));
      runBatch(restored, at, Batch.RESTORE);
      state.discardPending(); // the restored rows, as the operators took them in: already version `restored`
    }
    OffsetSeq lastCommitted = recovery.replay().get(recovery.lastCommitted());
    if (lastCommitted != null && recovery.lastCommitted() > restored) {
      long total = 0;
      for (String sid : channels.keySet()) {
        replayStart.put(sid, endOffsets.get(sid));
        total += lastCommitted.endOffset(sid) - endOffsets.get(sid);
      }
      replayProgress = new ReplayProgress(spec.name(), total, System.err);
    }
    int n = 0;
    for (Map.Entry<Long, OffsetSeq> batch : recovery.replay().entrySet()) {
      if (batch.getKey() <= restored) {
        continue;
      }
      n++;
      status = new QueryStatus("Replaying the receive log: batch " + batch.getKey() + " (" + n + " of "
          + (recovery.lastCommitted() - restored) + "), output muted up to the last commit", true, true);
      runBatch(batch.getKey(), batch.getValue(), Batch.REPLAY);
    }
    if (replayProgress != null) {
      replayProgress.finished(replayed());
      replayProgress = null;
    }
    if (recovery.pending().isPresent()) {
      Map.Entry<Long, OffsetSeq> pending = recovery.pending().get();
      LOG.info("Batch {} was planned but not committed; running it again with its recorded offsets", pending.getKey());
      runBatch(pending.getKey(), pending.getValue(), Batch.NEW);
    }
  }

  /** How a batch runs: with output, or muted because its output was delivered before. */
  private enum Batch {
    NEW,
    /** A committed batch run again to rebuild state; its state version is written again. */
    REPLAY,
    /** The restored state version taken in by the pipeline: nothing read, nothing written. */
    RESTORE
  }

  /** Plans and runs one batch if there is new input or the watermark may close windows. */
  private boolean runNextBatch() throws Exception {
    long t0 = System.currentTimeMillis();
    Map<String, SourceChannel.Snapshot> snapshots = new LinkedHashMap<>();
    channels.forEach((sid, ch) -> snapshots.put(sid, ch.snapshot()));
    boolean newData = snapshots.entrySet().stream().anyMatch(e -> e.getValue().endOffset() > endOffsets.get(e.getKey()));
    long nextWatermark = snapshots.values().stream().mapToLong(SourceChannel.Snapshot::watermarkMs).min().orElse(Long.MIN_VALUE);
    nextWatermark = Math.max(watermarkMs, nextWatermark);
    long maxEventTime = snapshots.values().stream().mapToLong(SourceChannel.Snapshot::maxTimestampMs).max().orElse(Long.MIN_VALUE);
    if (!newData && !(nextWatermark > watermarkMs && spec.sink().watermarkMayEmit(watermarkMs, nextWatermark, maxEventTime))) {
      return false;
    }
    status = new QueryStatus("Processing new data", true, true);
    for (SourceChannel ch : channels.values()) {
      ch.sync();
    }
    List<SourceOffset> ends = new ArrayList<>();
    snapshots.forEach((sid, snap) -> ends.add(SourceOffset.ofLog(sid, snap.endOffset())));
    long batchId = lastBatchId + 1;
    OffsetSeq seq = new OffsetSeq(nextWatermark, t0, ends);
    long walStart = System.currentTimeMillis();
    if (location != null && !whenSpaceAllows("offsets/" + batchId, () -> location.offsets().add(batchId, seq))) {
      throw new IOException("offsets/" + batchId + " already exists in " + location.uri() + ": another process wrote to this location.");
    }
    long latestOffsetMs = walStart - t0;
    runBatch(batchId, seq, Batch.NEW, latestOffsetMs, System.currentTimeMillis() - walStart, t0);
    return true;
  }

  private void runBatch(long batchId, OffsetSeq seq, Batch kind) throws Exception {
    runBatch(batchId, seq, kind, 0, 0, System.currentTimeMillis());
  }

  private void runBatch(long batchId, OffsetSeq seq, Batch kind, long latestOffsetMs, long walCommitMs, long t0)
      throws Exception {
    boolean replay = kind != Batch.NEW;
    long processStart = System.currentTimeMillis();
    for (Map.Entry<String, SourceChannel> e : channels.entrySet()) {
      e.getValue().gate().open(seq.endOffset(e.getKey()), seq.batchWatermarkMs());
    }
    for (Map.Entry<String, SourceChannel> e : channels.entrySet()) {
      awaitProcessed(e.getValue(), seq.endOffset(e.getKey()), seq.batchWatermarkMs(), replay);
    }
    if (kind == Batch.RESTORE) {
      awaitRestoredRows();
    }
    long addStart = System.currentTimeMillis();
    long outputRows = spec.sink().addBatch(batchId, replay);
    long commitStart = System.currentTimeMillis();
    long inputRows = 0;
    for (String sid : channels.keySet()) {
      long end = seq.endOffset(sid);
      inputRows += end - endOffsets.get(sid);
      endOffsets.put(sid, end);
    }
    CommitMetadata commit = new CommitMetadata(seq.batchWatermarkMs(), System.currentTimeMillis(), inputRows, outputRows);
    if (state != null && kind != Batch.RESTORE) {
      // the state version first: a version only counts once its batch committed
      whenSpaceAllows("state version " + batchId, () -> state.commit(batchId, seq) >= 0);
    }
    if (!replay && location != null
        && !whenSpaceAllows("commits/" + batchId, () -> location.commit(batchId, commit, spec.minBatchesToRetain()))) {
      // As Spark's "Concurrent update to the commit log": never carry on as if this batch had committed.
      throw new IOException("commits/" + batchId + " could not be created in " + location.uri() + ": another process"
          + " wrote it first, or the store refused the write with a failed precondition. Only one query may run on a"
          + " location; the restart runs batch " + batchId + " again, once.");
    }
    if (state != null && kind != Batch.RESTORE) {
      state.retain(batchId, spec.minBatchesToRetain());
    }
    watermarkMs = seq.batchWatermarkMs();
    lastBatchId = batchId;
    if (replay) {
      progress.advance(seq);
      return;
    }
    long end = System.currentTimeMillis();
    Map<String, Long> durations = new LinkedHashMap<>();
    durations.put("latestOffset", latestOffsetMs);
    durations.put("walCommit", walCommitMs);
    durations.put("addBatch", commitStart - processStart);
    durations.put("commitOffsets", end - commitStart);
    durations.put("triggerExecution", end - t0);
    progress.committed(batchId, seq, commit, durations, addStart - processStart,
        new QueryProgress.StateOperator(spec.sink().stateRows(), spec.sink().updatedRows()), spec.sink().description());
  }

  /** A write into the location; on a full disk it is retried until space returns or the query stops. */
  private interface LocationWrite {
    boolean write() throws IOException;
  }

  private boolean whenSpaceAllows(String file, LocationWrite write) throws Exception {
    boolean waiting = false;
    while (true) {
      try {
        boolean written = write.write();
        if (waiting) {
          LOG.warn("Query '{}': {} written; the checkpoint location has space again, the query continues", spec.name(), file);
        }
        return written;
      } catch (IOException e) {
        if (!OutOfSpace.is(e) || stopRequested) {
          throw e;
        }
        if (!waiting) {
          waiting = true;
          LOG.error("Query '{}': {}. The query waits until space is freed there, then continues (nothing is lost;"
              + " Ctrl+C stops it, and a restart resumes exactly).", spec.name(), e.getMessage());
        }
        status = new QueryStatus("Waiting for space: " + e.getMessage(), false, false);
        waitUntil(System.currentTimeMillis() + 1000);
      }
    }
  }

  /**
   * The restored rows enter the pipeline as data of their own, which the DirectRunner may process
   * after the sources' first bundles: waits until every operator took them in and the pipeline was
   * quiescent after that, so the restored version's rows are all in state (and in the result table)
   * before the next batch changes them.
   */
  private void awaitRestoredRows() throws Exception {
    long allowedMs = 120_000 + state.rowCount() / 100;
    long deadline = System.currentTimeMillis() + allowedMs;
    while (!state.restoredRowsTakenIn()) {
      checkPipeline();
      if (stopRequested) {
        throw new StopAbandonedBatch();
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IOException("Query '" + spec.name() + "': the pipeline did not take in the " + state.rowCount()
            + " rows of state version " + state.version() + " within " + allowedMs / 1000 + " s");
      }
      Thread.sleep(20);
    }
    for (SourceChannel channel : channels.values()) {
      while (!channel.gate().awaitQuiescence(200, TimeUnit.MILLISECONDS)) {
        checkPipeline();
        if (stopRequested) {
          throw new StopAbandonedBatch();
        }
      }
    }
  }

  /** Lines the recovery replay has processed so far, over every source. */
  private long replayed() {
    long done = 0;
    for (Map.Entry<String, Long> start : replayStart.entrySet()) {
      done += Math.max(0, channels.get(start.getKey()).gate().processedOffset() - start.getValue());
    }
    return done;
  }

  private void awaitProcessed(SourceChannel channel, long endOffset, long watermark, boolean replay) throws Exception {
    while (!channel.gate().awaitProcessed(endOffset, watermark, 200, TimeUnit.MILLISECONDS)) {
      if (replayProgress != null) {
        replayProgress.advanced(replayed());
      }
      checkPipeline();
      if (stopRequested && (replay || System.currentTimeMillis() - stopRequestedAt > STOP_GRACE_MS)) {
        throw new StopAbandonedBatch();
      }
    }
  }

  /**
   * Fails with the pipeline's own error once it ended. Not {@code getState()} first: the
   * DirectRunner's result then records FAILED and its {@code waitUntilFinish} no longer rethrows the
   * failure, which left "ended unexpectedly (FAILED)" without a cause. Waiting a millisecond takes
   * the executor's next update (up to 25 ms), which carries the failure.
   */
  private void checkPipeline() throws Exception {
    PipelineResult.State state;
    try {
      state = result.waitUntilFinish(org.joda.time.Duration.millis(1));
    } catch (RuntimeException e) {
      throw new IOException("The pipeline of query '" + spec.name() + "' failed: " + rootMessage(e), e);
    }
    if (state != null && state.isTerminal()) {
      throw new IOException("The pipeline of query '" + spec.name() + "' ended unexpectedly (" + state + ")");
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private boolean inputExhausted() {
    return channels.values().stream().allMatch(ch -> ch.endOfInput() || ch.quietMillis() >= AVAILABLE_NOW_QUIET_MS);
  }

  private String idleMessage() {
    StringBuilder sb = new StringBuilder("Waiting for data to arrive");
    channels.forEach((sid, ch) -> sb.append("; ").append(sourceDescriptions.get(sid)).append(": ").append(ch.status()));
    return sb.toString();
  }

  /** Sleeps until {@code deadline} or a stop; returns false if stopped. */
  private boolean waitUntil(long deadline) throws InterruptedException {
    synchronized (wakeup) {
      long left;
      while (!stopRequested && (left = deadline - System.currentTimeMillis()) > 0) {
        wakeup.wait(left);
      }
    }
    return !stopRequested;
  }

  private void shutdown() {
    if (failure instanceof StopAbandonedBatch) {
      failure = null;
      LOG.info("Query '{}' stopped with batch {} in flight; it runs again on restart", spec.name(), lastBatchId + 1);
    }
    try {
      if (result != null) {
        result.cancel();
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cancelling the pipeline of query '{}'", spec.name(), e);
    }
    channels.values().forEach(ch -> ch.gate().release());
    finish(channels.values(), location);
  }

  @Override
  public void stop() {
    if (!stopRequested) {
      stopRequestedAt = System.currentTimeMillis();
      stopRequested = true;
    }
    synchronized (wakeup) {
      wakeup.notifyAll();
    }
    awaitTerminated();
  }

  /** stop() arrived while a batch waited for the pipeline; the batch is left to run on restart. */
  private static final class StopAbandonedBatch extends Exception {
    StopAbandonedBatch() {
      super("stopped", null, false, false);
    }
  }
}
