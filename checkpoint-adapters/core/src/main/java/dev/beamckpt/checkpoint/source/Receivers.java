package dev.beamckpt.checkpoint.source;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receivers running in this JVM, one per source and log, for every kind of source. A receiver
 * holds a connection and an open log, which are this JVM's alone, so this is a registry of local
 * resources, not state passed between tasks: what a commit needs goes through the location
 * ({@link FinalizedOffsets}). A driver's handle owns its receiver:
 * closing it stops the receiver. Readers' handles are shared; when the last closes and no driver
 * owns the receiver, it lingers briefly, because runners close readers and soon resume them from
 * checkpoint marks, and a reconnect would drop what sits in the socket's buffer.
 *
 * <p>Readers are not always closed: Beam's unbounded-source wrapper caches them and closes them
 * only when a later read finds them expired, so a job that ended (stopped with a savepoint,
 * cancelled) leaves its readers open in a cluster's TaskManagers. Their receiver would keep
 * holding its connection, and a socket server that serves one client at a time (nc, our line
 * server) would never serve the next query. So a receiver no driver owns and no reader has read
 * from for {@link #ABANDONED_SECONDS} stops; a reader that comes back to it fails loudly and the
 * runner restores it from its last checkpoint, with a new receiver.
 */
public final class Receivers {
  private static final Logger LOG = LoggerFactory.getLogger(Receivers.class);
  /** How long an unused receiver keeps reading before it stops, waiting for readers to resume. */
  private static final long LINGER_SECONDS = 30;
  /** How long readers may leave a receiver without a read before it counts as abandoned. */
  static final long ABANDONED_SECONDS = 120;
  private static final Map<String, Entry> RUNNING = new HashMap<>();
  private static final ScheduledExecutorService LINGER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "receiver-linger");
    t.setDaemon(true);
    return t;
  });

  static {
    // A TaskManager shut down while a receiver lingers (its job stopped, no restart yet) still
    // drains the connection into the log first, as a stop does.
    Runtime.getRuntime().addShutdownHook(new Thread(Receivers::stopAll, "receivers-at-exit"));
    LINGER.scheduleWithFixedDelay(() -> stopAbandoned(TimeUnit.SECONDS.toNanos(ABANDONED_SECONDS)), LINGER_SECONDS,
        LINGER_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Stops the receivers whose readers were never closed and have not read for {@code idleNanos}
   * (see the class comment); returns their keys.
   */
  static List<String> stopAbandoned(long idleNanos) {
    Map<String, Receiver> abandoned = new HashMap<>();
    synchronized (Receivers.class) {
      RUNNING.entrySet().removeIf(e -> {
        Entry entry = e.getValue();
        if (!entry.owned && entry.readers > 0 && entry.receiver.channel().gate().idleNanos() >= idleNanos) {
          abandoned.put(e.getKey(), entry.receiver);
          entry.stoppedBecause = "no reader had read from it for " + ABANDONED_SECONDS + " s, so its job looked ended";
          return true;
        }
        return false;
      });
    }
    abandoned.forEach((key, receiver) -> {
      LOG.info("Receiver of {}: no reader has read from it for {} s (its job ended without closing its readers);"
          + " stopping it", key, TimeUnit.NANOSECONDS.toSeconds(idleNanos));
      try {
        receiver.stop();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Stopping the abandoned receiver of {}: {}", key, e.getMessage());
      }
    });
    return List.copyOf(abandoned.keySet());
  }

  private Receivers() {}

  /**
   * Stops the receiver of {@code key}: another writer took its log over (a newer attempt of the
   * source, restored in another JVM). Readers still holding it fail, and the runner restores them.
   */
  static void stopTakenOver(String key, Receiver receiver) {
    synchronized (Receivers.class) {
      Entry e = RUNNING.get(key);
      if (e != null && e.receiver == receiver) {
        RUNNING.remove(key);
        e.stoppedBecause = "its receive log was taken over by a newer attempt of this source";
      }
    }
    try {
      receiver.stop();
    } catch (IOException | RuntimeException ex) {
      LOG.warn("Stopping the receiver of {}, whose log was taken over: {}", key, ex.getMessage());
    }
  }

  private static void stopAll() {
    List<Receiver> running;
    synchronized (Receivers.class) {
      running = RUNNING.values().stream().map(e -> e.receiver).toList();
      RUNNING.clear();
    }
    for (Receiver receiver : running) {
      try {
        receiver.stop();
      } catch (IOException e) {
        LOG.warn("Stopping a receiver at exit: {}", e.getMessage());
      }
    }
  }

  /** Creates a source's receiver when none runs in this JVM yet. */
  public interface Factory {
    Receiver create() throws IOException;
  }

  private static final class Entry {
    final Receiver receiver;
    int readers;
    boolean owned;
    /** Why the receiver was stopped under its readers, or null while it runs. */
    volatile String stoppedBecause;

    Entry(Receiver receiver) {
      this.receiver = receiver;
    }
  }

  /**
   * A handle on the receiver of {@code key}, started by {@code factory} if none runs.
   *
   * @param key what the receiver reads into, e.g. its log's place in the location
   * @param owner true for a driver, which stops the receiver when it closes its handle
   */
  public static synchronized SourceChannel acquire(String key, Factory factory, boolean owner) throws IOException {
    Entry e = RUNNING.get(key);
    if (e == null) {
      Receiver receiver = factory.create();
      receiver.start();
      e = new Entry(receiver);
      RUNNING.put(key, e);
    }
    if (owner) {
      if (e.owned) {
        throw new IOException("Source log " + key + " is already driven by a query in this JVM");
      }
      e.owned = true;
    } else {
      e.readers++;
    }
    return new Handle(key, e, owner);
  }

  /** The receiver of {@code key} if one runs in this JVM: where a finalized checkpoint mark goes. */
  public static synchronized Optional<Receiver> lookup(String key) {
    return Optional.ofNullable(RUNNING.get(key)).map(e -> e.receiver);
  }

  private static synchronized void release(String key, Receiver receiver, boolean owner) throws IOException {
    Entry e = RUNNING.get(key);
    if (e == null || e.receiver != receiver) {
      return; // already stopped by its owner
    }
    if (owner) {
      RUNNING.remove(key);
      receiver.stop();
      return;
    }
    e.readers--;
    if (e.readers == 0 && !e.owned) {
      LINGER.schedule(() -> stopIfUnused(key, receiver), LINGER_SECONDS, TimeUnit.SECONDS);
    }
  }

  private static synchronized void stopIfUnused(String key, Receiver receiver) {
    Entry e = RUNNING.get(key);
    if (e != null && e.receiver == receiver && e.readers == 0 && !e.owned) {
      RUNNING.remove(key);
      try {
        receiver.stop();
      } catch (IOException ex) {
        LOG.warn("Stopping the receiver of {}: {}", key, ex.getMessage());
      }
    }
  }

  private static final class Handle implements SourceChannel {
    private final String key;
    private final Entry entry;
    private final Receiver receiver;
    private final boolean owner;
    private boolean closed;

    Handle(String key, Entry entry, boolean owner) {
      this.key = key;
      this.entry = entry;
      this.receiver = entry.receiver;
      this.owner = owner;
    }

    @Override
    public void checkOpen() throws IOException {
      String why = entry.stoppedBecause;
      if (why != null) {
        throw new IOException("The receiver of " + key + " was stopped: " + why + ". This reader is restored from its"
            + " last checkpoint, with a new receiver.");
      }
    }

    @Override
    public Snapshot snapshot() {
      return receiver.channel().snapshot();
    }

    @Override
    public long startOffset() {
      return receiver.channel().log().startOffset();
    }

    @Override
    public void sync() throws IOException {
      receiver.channel().log().sync();
    }

    @Override
    public BatchGate gate() {
      return receiver.channel().gate();
    }

    @Override
    public boolean endOfInput() {
      return receiver.endOfInput();
    }

    @Override
    public long quietMillis() {
      return receiver.channel().quietMillis();
    }

    @Override
    public String status() {
      return receiver.status();
    }

    @Override
    public Map<String, Long> metrics() {
      return receiver.metrics();
    }

    @Override
    public synchronized void close() throws IOException {
      if (!closed) {
        closed = true;
        release(key, receiver, owner);
      }
    }
  }
}
