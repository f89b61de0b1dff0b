package dev.beamckpt.pipelines;

import dev.beamckpt.sdk.StreamingQuery;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl+C (SIGINT) or SIGTERM stops the query gracefully while the JVM still runs normally: a
 * shutdown hook would race the runner's own hooks (in-process Flink shuts its mini cluster down in
 * one, and a job being submitted then never appears). A signal that arrives while the query is
 * still starting stops it as soon as it exists. The same signal again exits at once. Where a
 * signal cannot be handled (SIGINT ignored by the parent of a background job), the shutdown hook
 * still stops the query.
 */
final class SignalStop {
  private final List<StreamingQuery> queries = new CopyOnWriteArrayList<>();
  private final AtomicBoolean requested = new AtomicBoolean();

  /** Handles SIGINT and SIGTERM from now on. */
  static SignalStop install() {
    SignalStop stop = new SignalStop();
    SignalHandler handler = stop::onSignal;
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        Signal.handle(new Signal(name), handler);
      } catch (IllegalArgumentException e) {
        // reserved by the JVM (-Xrs): the shutdown hook stops the query
      }
    }
    return stop;
  }

  /** A query exists: a signal that came while it started stops it now. An application may start several. */
  void started(StreamingQuery started) {
    queries.add(started);
    Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "stop-query-at-exit"));
    if (requested.get()) {
      stopInBackground(started);
    }
  }

  private void onSignal(Signal signal) {
    if (requested.compareAndSet(false, true)) {
      List<StreamingQuery> started = List.copyOf(queries);
      String names = String.join(", ", started.stream().map(q -> "'" + q.name() + "'").toList());
      System.err.println("Stopping " + (started.size() > 1 ? "queries " : "query ") + names
          + "... (press Ctrl+C again to exit at once)");
      started.forEach(SignalStop::stopInBackground);
    } else {
      System.err.println("Exiting at once; a batch in flight runs again on the next start.");
      Runtime.getRuntime().halt(128 + signal.getNumber());
    }
  }

  private static void stopInBackground(StreamingQuery q) {
    Thread t = new Thread(q::stop, "stop-query");
    t.setDaemon(true);
    t.start();
  }
}
