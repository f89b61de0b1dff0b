package dev.beamckpt.checkpoint.execution;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A running streaming query as an adapter runs it; StreamingQuery is its public face. */
public interface QueryExecution {
  String id();

  String runId();

  String name();

  QueryStatus status();

  Optional<QueryProgress> lastProgress();

  List<QueryProgress> recentProgress();

  boolean isActive();

  /** Stops after the batch in flight is committed; returns once stopped. */
  void stop();

  /** True if the query terminated within the timeout. */
  boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException;

  Optional<Throwable> exception();

  /** Runs {@code action} once the query has terminated, on the thread that ended it (at once if it has). */
  void whenTerminated(Runnable action);
}
