package dev.beamckpt.bench;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;

/**
 * What a peer tells the harness, one line per event on standard output (everything else a peer
 * prints goes to standard error): the total of the counts its sink shows, the count of the most
 * common word {@code w0}, latency markers the first time they appear, checkpoint costs.
 *
 * <pre>
 * @bench t &lt;epoch ms&gt; &lt;sum of counts&gt; &lt;count of w0&gt;    (every 20 ms while it changes)
 * @bench marker &lt;word&gt; &lt;epoch ms&gt;                  (a marker's first count in the sink)
 * @bench checkpoint &lt;duration ms&gt; &lt;bytes or -1&gt;       (one per checkpoint or batch commit)
 * </pre>
 *
 * The sum of the counts a sink shows is the number of words the system has fully processed, so
 * the harness reads throughput, latency and recovery off the sink the way a user would.
 */
public final class Probe {
  public static final String PREFIX = "@bench ";
  /** Latency markers are words of their own: "lat" + sequence number. */
  public static final String MARKER = "lat";
  public static final String HOT_WORD = "w0";
  private static final long REPORT_EVERY_MS = 20;
  private static final Probe INSTANCE = new Probe(System.out);

  private final PrintStream out;
  private final Map<String, Long> counts = new HashMap<>();
  private long total;
  private long hot;
  private long reportedTotal = -1;
  private long reportedHot = -1;

  private Probe(PrintStream out) {
    this.out = out;
    Thread t = new Thread(this::reportLoop, "bench-probe");
    t.setDaemon(true);
    t.start();
  }

  /** A probe of its own, for tests. */
  static Probe forTest(PrintStream out) {
    return new Probe(out);
  }

  synchronized long total() {
    return total;
  }

  synchronized long hot() {
    return hot;
  }

  /** One per JVM: a sink deserialized in a task of an in-process runner reports here too. */
  public static Probe get() {
    return INSTANCE;
  }

  /** A row the sink shows: word and its current count (update or complete mode). */
  public synchronized void update(String word, long count) {
    Long old = counts.put(word, count);
    total += count - (old == null ? 0 : old);
    if (HOT_WORD.equals(word)) {
      hot = count;
    } else if (old == null && word.startsWith(MARKER)) {
      marker(word);
    }
  }

  /** For a loop that keeps its own counts: the sum of them and the hot word's. */
  public synchronized void totals(long total, long hot) {
    this.total = total;
    this.hot = hot;
  }

  public void marker(String word) {
    emit("marker " + word + " " + System.currentTimeMillis());
  }

  public void checkpoint(long durationMs, long bytes) {
    emit("checkpoint " + durationMs + " " + bytes);
  }

  private void emit(String event) {
    synchronized (out) {
      out.println(PREFIX + event);
      out.flush();
    }
  }

  private void reportLoop() {
    while (true) {
      long t;
      long h;
      synchronized (this) {
        t = total;
        h = hot;
      }
      if (t != reportedTotal || h != reportedHot) {
        reportedTotal = t;
        reportedHot = h;
        emit("t " + System.currentTimeMillis() + " " + t + " " + h);
      }
      try {
        Thread.sleep(REPORT_EVERY_MS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
