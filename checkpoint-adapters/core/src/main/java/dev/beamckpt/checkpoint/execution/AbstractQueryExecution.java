package dev.beamckpt.checkpoint.execution;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.source.LoggedSources;
import dev.beamckpt.checkpoint.source.SourceChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every adapter's running query shares: its identity, status, recent progress, failure and
 * the latch that marks its end. Subclasses drive the runner and call {@link #markTerminated()}.
 */
public abstract class AbstractQueryExecution implements QueryExecution {
  private static final Logger LOG = LoggerFactory.getLogger(AbstractQueryExecution.class);
  protected final QuerySpec spec;
  protected final ProgressReporter progress;
  /** Each source's description by id, for status and progress. */
  protected final Map<String, String> sourceDescriptions;
  protected volatile QueryStatus status;
  protected volatile Throwable failure;
  private final String id;
  private final String runId;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final List<Runnable> onTermination = new ArrayList<>();

  /** @param location the query's location (its id is the query's), or null */
  protected AbstractQueryExecution(QuerySpec spec, CheckpointLocation location, String runId, QueryStatus initial) {
    this.spec = spec;
    this.id = location != null ? location.metadata().id() : runId;
    this.runId = runId;
    this.status = initial;
    Map<String, String> descriptions = new LinkedHashMap<>();
    LoggedSources.in(spec.pipeline()).forEach(s -> descriptions.put(s.sourceId(), s.description()));
    this.sourceDescriptions = descriptions;
    this.progress = new ProgressReporter(id, runId, spec.name(), descriptions);
  }

  /** The query has ended: stop() and awaitTermination() return, and the termination actions run. */
  protected final void markTerminated() {
    List<Runnable> actions;
    synchronized (onTermination) {
      terminated.countDown();
      actions = List.copyOf(onTermination);
      onTermination.clear();
    }
    actions.forEach(AbstractQueryExecution::runQuietly);
  }

  @Override
  public void whenTerminated(Runnable action) {
    synchronized (onTermination) {
      if (terminated.getCount() > 0) {
        onTermination.add(action);
        return;
      }
    }
    runQuietly(action);
  }

  private static void runQuietly(Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.warn("An action on the query's termination failed", e);
    }
  }

  /**
   * Ends the query: its final status, its sources' receivers closed (each drains its connection
   * into its log), the location's lease released, and then {@link #markTerminated()}.
   */
  protected final void finish(Iterable<SourceChannel> channels, CheckpointLocation location) {
    status = new QueryStatus(failure == null ? "Stopped" : "Terminated with exception: " + failure.getMessage(), false, false);
    closeQuietly(channels);
    if (location != null) {
      try {
        location.close();
      } catch (IOException e) {
        LOG.warn("Releasing {}: {}", location.uri(), e.getMessage());
      }
    }
    markTerminated();
  }

  /**
   * Turns the batches committed in {@code location} after {@code reported} into progress, for an
   * adapter whose job commits its batches itself (Flink, Dataflow); returns the newest committed.
   *
   * @param durations how long the runner took, by phase, as far as the adapter knows
   * @param where where the batch ran, for the progress ("in the Flink job")
   */
  protected final long reportCommitted(CheckpointLocation location, long reported, Map<String, Long> durations,
      String where) throws IOException {
    long latest = location.commits().latestBatchId().orElse(0L);
    for (long batch = reported + 1; batch <= latest; batch++) {
      Optional<CommitMetadata> commit = location.commits().get(batch);
      Optional<OffsetSeq> offsets = location.offsets().get(batch);
      if (commit.isPresent() && offsets.isPresent()) {
        progress.committed(batch, offsets.get(), commit.get(), durations, -1, null, where);
      }
    }
    return Math.max(reported, latest);
  }

  /** Closes receivers, logging what fails: one that cannot close must not keep the others open. */
  protected static void closeQuietly(Iterable<SourceChannel> channels) {
    for (SourceChannel ch : channels) {
      try {
        ch.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Closing a source: {}", e.getMessage());
      }
    }
  }

  /** Waits for {@link #markTerminated()}; keeps the interrupt flag if interrupted. */
  protected final void awaitTerminated() {
    try {
      terminated.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String runId() {
    return runId;
  }

  @Override
  public String name() {
    return spec.name();
  }

  @Override
  public QueryStatus status() {
    return status;
  }

  @Override
  public Optional<QueryProgress> lastProgress() {
    return progress.last();
  }

  @Override
  public List<QueryProgress> recentProgress() {
    return progress.all();
  }

  @Override
  public boolean isActive() {
    return terminated.getCount() > 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }

  @Override
  public Optional<Throwable> exception() {
    return Optional.ofNullable(failure);
  }
}
