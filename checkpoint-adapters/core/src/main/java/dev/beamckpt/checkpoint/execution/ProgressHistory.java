package dev.beamckpt.checkpoint.execution;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/** The latest batches' progress of a running query (Spark keeps the last 100 too). */
public final class ProgressHistory {
  private static final int KEEP = 100;
  private final Deque<QueryProgress> recent = new ArrayDeque<>();

  public synchronized void add(QueryProgress progress) {
    if (recent.size() == KEEP) {
      recent.removeFirst();
    }
    recent.addLast(progress);
  }

  public synchronized Optional<QueryProgress> last() {
    return Optional.ofNullable(recent.peekLast());
  }

  public synchronized List<QueryProgress> all() {
    return List.copyOf(recent);
  }
}
