package dev.beamckpt.sdk;

import dev.beamckpt.sdk.ui.QueryUi;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The streaming queries an application started (Spark's {@code spark.streams}): the active ones,
 * one by id, and waiting for any to end. {@link WriteStream#start()} registers each query with the
 * process's manager, {@link #get()}, unless {@link WriteStream#manager} names another.
 *
 * <pre>{@code
 * WriteStream.of(counts).queryName("query1").checkpointLocation("/tmp/ckpt/query1").sink(ConsoleSink.create()).start();
 * WriteStream.of(counts2).queryName("query2").checkpointLocation("/tmp/ckpt/query2").sink(MemorySink.named("query2")).start();
 * StreamingQueryManager.get().awaitAnyTermination();
 * }</pre>
 */
public final class StreamingQueryManager {
  private static final StreamingQueryManager PROCESS = new StreamingQueryManager();

  /** Active queries by id, in the order they started. */
  private final Map<String, StreamingQuery> active = new LinkedHashMap<>();
  /** Every query started here, for the monitoring page: a stopped or failed one stays on it. */
  private final List<StreamingQuery> started = new ArrayList<>();
  private QueryUi ui;
  /** Whether a query terminated since this manager was made or last reset, and the last failure among them. */
  private boolean anyTerminated;
  private StreamingQueryException lastFailure;

  /** The process's manager, which queries join unless their WriteStream names another. */
  public static StreamingQueryManager get() {
    return PROCESS;
  }

  /** The queries that have started and not yet terminated, in the order they started. */
  public synchronized List<StreamingQuery> active() {
    return new ArrayList<>(active.values());
  }

  /** The active query with this id (stable across restarts from one location), or null. */
  public synchronized StreamingQuery get(String id) {
    return active.get(id);
  }

  /**
   * Waits until any query has terminated since this manager was made or {@link #resetTerminated()}
   * was called; returns at once if one has. Throws the last failure among those queries, if any.
   */
  public void awaitAnyTermination() {
    awaitAnyTermination(Long.MAX_VALUE);
  }

  /** As {@link #awaitAnyTermination()}, for at most {@code timeoutMs}; returns whether a query terminated. */
  public boolean awaitAnyTermination(long timeoutMs) {
    long now = System.currentTimeMillis();
    long deadline = timeoutMs > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + timeoutMs;
    boolean ended;
    try {
      synchronized (this) {
        long left;
        while (!anyTerminated && (left = deadline - System.currentTimeMillis()) > 0) {
          wait(left);
        }
        ended = anyTerminated;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    throwIfFailed();
    return ended;
  }

  /** Forgets the queries that terminated, so {@link #awaitAnyTermination()} waits for a new one. */
  public synchronized void resetTerminated() {
    anyTerminated = false;
    lastFailure = null;
  }

  /** Refuses a second active query of one name, as Spark does: their outputs and progress would be told apart by name. */
  synchronized void refuseActiveName(String name) {
    for (StreamingQuery q : active.values()) {
      if (q.name().equals(name)) {
        throw new IllegalArgumentException("Cannot start query with name '" + name + "' as a query with that name is"
            + " already active (id " + q.id() + "). Give each query its own name (queryName(...) or --queryName)"
            + " and its own checkpoint location.");
      }
    }
  }

  /**
   * Serves the monitoring page of this manager's queries on {@code port} (0: a free one), once: a
   * later call returns the page already served. Prints its address to standard error.
   */
  public synchronized QueryUi serveUi(int port) throws IOException {
    if (ui == null) {
      ui = QueryUi.start(port, this::startedQueries);
      System.err.println("Streaming query UI: " + ui.url() + " (JSON: " + ui.url() + "api/v1/queries, Prometheus: "
          + ui.url() + "metrics)");
    }
    return ui;
  }

  private synchronized List<StreamingQuery> startedQueries() {
    return new ArrayList<>(started);
  }

  /** A query started: it is active until it terminates. */
  void register(StreamingQuery query) {
    synchronized (this) {
      active.put(query.id(), query);
      started.add(query);
    }
    query.whenTerminated(() -> terminated(query));
  }

  private synchronized void terminated(StreamingQuery query) {
    active.remove(query.id(), query);
    anyTerminated = true;
    Optional<StreamingQueryException> failure = query.exception();
    if (failure.isPresent()) {
      lastFailure = failure.get();
    }
    notifyAll();
  }

  private void throwIfFailed() {
    StreamingQueryException failure;
    synchronized (this) {
      failure = lastFailure;
    }
    if (failure != null) {
      throw failure;
    }
  }
}
