package dev.beamckpt.sdk;

import dev.beamckpt.checkpoint.execution.QueryExecution;
import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.checkpoint.execution.QueryStatus;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.beam.sdk.options.PipelineOptions;

/** A running streaming query (Spark's StreamingQuery), as returned by {@link WriteStream#start()}. */
public final class StreamingQuery {
  private final QueryExecution execution;
  private final String checkpointLocation;
  private final PipelineOptions options;
  private volatile CheckpointStorage storage;

  /** @param options how to reach the location's storage (endpoints, credentials) */
  StreamingQuery(QueryExecution execution, String checkpointLocation, PipelineOptions options) {
    this.execution = execution;
    this.checkpointLocation = checkpointLocation;
    this.options = options;
  }

  /** Where the query keeps its checkpoint, or null when it has none. */
  public String checkpointLocation() {
    return checkpointLocation;
  }

  /** The bytes the checkpoint occupies (every file under the location); 0 without a location. */
  public long checkpointBytes() throws IOException {
    if (checkpointLocation == null) {
      return 0;
    }
    if (storage == null) {
      storage = Storages.forLocation(checkpointLocation, options); // a ServiceLoader scan: once
    }
    return storage.sizeOf("");
  }

  /** Stable across restarts from the same checkpoint location. */
  public String id() {
    return execution.id();
  }

  /** New on every start. */
  public String runId() {
    return execution.runId();
  }

  public String name() {
    return execution.name();
  }

  public QueryStatus status() {
    return execution.status();
  }

  /** The last batch's progress, or null before the first batch. */
  public QueryProgress lastProgress() {
    return execution.lastProgress().orElse(null);
  }

  public List<QueryProgress> recentProgress() {
    return execution.recentProgress();
  }

  public boolean isActive() {
    return execution.isActive();
  }

  /** Stops the query; a batch in flight finishes (or, if it cannot, runs again on restart). */
  public void stop() {
    execution.stop();
  }

  /** Waits for the query to end; throws if it ended with an error. */
  public void awaitTermination() {
    try {
      while (!execution.awaitTermination(1, TimeUnit.DAYS)) {
        // keep waiting
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throwIfFailed();
  }

  /** Returns whether the query ended within the timeout; throws if it ended with an error. */
  public boolean awaitTermination(long timeoutMs) {
    boolean ended;
    try {
      ended = execution.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    throwIfFailed();
    return ended;
  }

  public Optional<StreamingQueryException> exception() {
    return execution.exception().map(t -> new StreamingQueryException(name(), t));
  }

  void whenTerminated(Runnable action) {
    execution.whenTerminated(action);
  }

  private void throwIfFailed() {
    Optional<StreamingQueryException> e = exception();
    if (e.isPresent()) {
      throw e.get();
    }
  }
}
