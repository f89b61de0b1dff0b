package dev.beamckpt.io.pubsub;

import dev.beamckpt.checkpoint.source.LogChannel;
import dev.beamckpt.checkpoint.source.Receiver;
import dev.beamckpt.checkpoint.source.ReceiverContext;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls a subscription and logs every message before acknowledging it: Pub/Sub keeps what is not
 * acknowledged, so a crash loses nothing, and what was logged is never read twice, because the ids
 * of the messages whose acknowledgement may not have arrived are recorded before they are appended
 * ({@link UnackedMessages}) and a redelivered message with a logged id is acknowledged and
 * dropped. Why log and not acknowledge at the runner's checkpoint, as Beam's PubsubIO does: the
 * batch a message belongs to must be replayable from the location on every runner (the Direct
 * runner has no checkpoints), and a message acknowledged at a checkpoint can still arrive twice.
 *
 * <p>One message is one record (its data as UTF-8, invalid bytes replaced and counted), stamped
 * with its ingestion time like a socket's line. Acknowledgements are sent after the log is
 * synced, at most every {@link #ACK_EVERY_MS}, well inside the shortest acknowledgement deadline.
 */
final class PubsubReceiver implements Receiver {
  private static final Logger LOG = LoggerFactory.getLogger(PubsubReceiver.class);
  static final long ACK_EVERY_MS = 1000;
  /** An empty pull is repeated after this long at first, backing off to {@link #MAX_IDLE_MS}. */
  private static final long MIN_IDLE_MS = 10;
  private static final long MAX_IDLE_MS = 200;
  private static final long MAX_RETRY_MS = 10_000;
  /** Ids kept to drop messages Pub/Sub delivers again while the query runs (its delivery is at least once). */
  private static final int RECENT_IDS = 200_000;
  /** Pub/Sub takes at most this many ack ids a request. */
  private static final int ACKS_PER_REQUEST = 1000;

  private final PubsubConfig config;
  private final PubsubClient client;
  private final LogChannel channel;
  private final CheckpointStorage location;
  private final UnackedMessages unacked;
  private final Thread thread;
  private final Set<String> recentIds = new LinkedHashSet<>();
  /** Messages in the log (or dropped as already there) not acknowledged yet. */
  private final List<PubsubClient.Received> toAck = new ArrayList<>();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile boolean running = true;
  private volatile String status;
  private volatile String subscription;
  private long lastAckNanos = System.nanoTime();

  PubsubReceiver(PubsubConfig config, PubsubClient client, ReceiverContext context) {
    this.config = config;
    this.client = client;
    this.location = context.location();
    this.channel = new LogChannel(config.sourceId(), config.origin(), context.log(), config.watermarkDelayMs(),
        context.retention(), context.finalizedTo());
    this.unacked = new UnackedMessages(location, config.sourceId());
    this.subscription = config.subscription();
    this.status = "starting to pull " + config.origin() + " at " + client.rootUrl();
    this.thread = new Thread(this::run, "pubsub-receiver-" + config.sourceId());
    thread.setDaemon(true);
  }

  @Override
  public LogChannel channel() {
    return channel;
  }

  @Override
  public void start() {
    thread.start();
  }

  private void run() {
    try {
      recentIds.addAll(unacked.recover(channel.log().endOffset()));
      if (subscription == null) {
        subscription = retrying("creating a subscription to " + config.topic() + " at " + client.rootUrl(),
            this::subscribeToTopic);
      }
      if (subscription == null) {
        return; // stopped
      }
      status = "pulling " + subscription + " at " + client.rootUrl();
      long idleMs = MIN_IDLE_MS;
      long retryMs = 0;
      while (running) {
        List<PubsubClient.Received> pulled;
        try {
          pulled = client.pull(subscription, config.maxMessagesPerPull());
          if (retryMs > 0) {
            LOG.warn("Source {}: pulling {} again", config.sourceId(), subscription);
            status = "pulling " + subscription + " at " + client.rootUrl();
            retryMs = 0;
          }
        } catch (IOException e) {
          retryMs = failed("pulling " + subscription + " at " + client.rootUrl(), e, retryMs);
          continue;
        }
        if (!pulled.isEmpty()) {
          idleMs = MIN_IDLE_MS;
          if (!log(pulled)) {
            return; // stopped while the location could not be written: nothing was acknowledged, Pub/Sub keeps it
          }
        }
        if (System.nanoTime() - lastAckNanos >= ACK_EVERY_MS * 1_000_000 || toAck.size() >= 10 * ACKS_PER_REQUEST) {
          acknowledge();
        }
        if (pulled.isEmpty()) {
          sleep(idleMs);
          idleMs = Math.min(MAX_IDLE_MS, idleMs * 2);
        }
      }
      acknowledge();
    } catch (IOException | RuntimeException e) {
      LOG.error("Source {}: the Pub/Sub receiver of {} stopped: {}", config.sourceId(), config.origin(), e.toString());
      status = "stopped: " + e.getMessage();
    } finally {
      if (config.subscription() == null && location == null && subscription != null) {
        deleteOwnSubscription();
      }
    }
  }

  /**
   * Logs the new messages of a pull and queues every message of it for acknowledgement; false if a
   * stop came while the location could not be written.
   */
  private boolean log(List<PubsubClient.Received> pulled) throws IOException {
    Set<String> ids = new LinkedHashSet<>();
    List<String> records = new ArrayList<>();
    List<PubsubClient.Received> fresh = new ArrayList<>();
    for (PubsubClient.Received m : pulled) {
      if (recentIds.contains(m.messageId()) || ids.contains(m.messageId())) {
        duplicates.incrementAndGet();
        toAck.add(m); // logged already: only its acknowledgement was missing
        continue;
      }
      ids.add(m.messageId());
      records.add(decode(m));
      fresh.add(m);
      bytes.addAndGet(m.data().length);
    }
    if (records.isEmpty()) {
      return true;
    }
    long offset = channel.log().endOffset();
    if (retrying("recording the messages about to be logged in " + (location == null ? "memory" : location.uri()), () -> {
      unacked.beforeAppend(offset, List.copyOf(ids));
      return Boolean.TRUE;
    }) == null) {
      return false;
    }
    if (!channel.append(records, () -> !running)) {
      return false;
    }
    unacked.appended(ids);
    messages.addAndGet(records.size());
    remember(ids);
    toAck.addAll(fresh);
    return true;
  }

  private String decode(PubsubClient.Received m) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(m.data())).toString();
    } catch (CharacterCodingException e) {
      long n = malformed.incrementAndGet();
      if (n == 1 || Long.bitCount(n) == 1) {
        LOG.warn("Source {}: message {} of {} is not valid UTF-8; its invalid bytes were replaced with U+FFFD"
            + " ({} such message(s) so far)", config.sourceId(), m.messageId(), subscription, n);
      }
      return new String(m.data(), StandardCharsets.UTF_8);
    }
  }

  private void remember(Set<String> ids) {
    recentIds.addAll(ids);
    var it = recentIds.iterator();
    for (int excess = recentIds.size() - RECENT_IDS; excess > 0; excess--) {
      it.next();
      it.remove();
    }
  }

  /**
   * Makes the log durable, then acknowledges what it holds: a message is acknowledged only once it
   * is stored. A failed acknowledgement is retried at the next round; if its deadline passes first,
   * Pub/Sub delivers the message again and it is dropped as a duplicate.
   */
  private void acknowledge() {
    lastAckNanos = System.nanoTime();
    if (toAck.isEmpty()) {
      return;
    }
    try {
      channel.log().sync();
      for (int from = 0; from < toAck.size(); from += ACKS_PER_REQUEST) {
        List<PubsubClient.Received> part = toAck.subList(from, Math.min(toAck.size(), from + ACKS_PER_REQUEST));
        client.acknowledge(subscription, part.stream().map(PubsubClient.Received::ackId).toList());
      }
    } catch (IOException e) {
      failures.incrementAndGet();
      boolean refused = e instanceof PubsubClient.PubsubException p && p.status() / 100 == 4;
      LOG.warn("Source {}: acknowledging {} message(s) of {}: {}; {}", config.sourceId(), toAck.size(), subscription,
          e.getMessage(), refused ? "Pub/Sub will deliver them again, and they are dropped as logged already"
              : "trying again in " + ACK_EVERY_MS + " ms");
      if (refused) { // expired ack ids are not taken again; the messages stay recorded as unacknowledged
        toAck.clear();
      }
      return;
    }
    List<String> acknowledged = toAck.stream().map(PubsubClient.Received::messageId).toList();
    toAck.clear();
    try {
      unacked.acknowledged(acknowledged);
    } catch (IOException e) { // the record still names them: a superset, which only drops copies of logged messages
      LOG.warn("Source {}: recording {} acknowledgement(s) in {}: {}", config.sourceId(), acknowledged.size(),
          location.uri(), e.getMessage());
    }
  }

  private String subscribeToTopic() throws IOException {
    String name = TopicSubscription.resolve(location, config.sourceId(), config.topic());
    if (client.createSubscription(name, config.topic(), config.ackDeadlineSeconds())) {
      LOG.info("Source {}: created subscription {} to {}{}", config.sourceId(), name, config.topic(),
          location == null ? " for this run" : "; it is kept in the checkpoint location and outlives the query");
    }
    return name;
  }

  private void deleteOwnSubscription() {
    try {
      client.deleteSubscription(subscription);
    } catch (IOException e) {
      LOG.warn("Source {}: deleting this run's subscription {}: {}", config.sourceId(), subscription, e.getMessage());
    }
  }

  private interface Attempt<T> {
    T run() throws IOException;
  }

  /** Runs {@code attempt} until it succeeds, backing off between failures; null if stopped first. */
  private <T> T retrying(String what, Attempt<T> attempt) {
    long retryMs = 0;
    while (running) {
      try {
        return attempt.run();
      } catch (PubsubClient.PubsubException e) {
        if (e.status() / 100 == 4 && e.status() != 429 && e.status() != 408) {
          throw new IllegalStateException(what + ": " + e.getMessage() + advice(e.status()), e);
        }
        retryMs = failed(what, e, retryMs);
      } catch (IOException e) {
        retryMs = failed(what, e, retryMs);
      }
    }
    return null;
  }

  private String advice(int status) {
    return switch (status) {
      case 404 -> ". Create it (gcloud pubsub subscriptions create / topics create), or check --pubsubRootUrl"
          + " (an emulator forgets its topics when it restarts).";
      case 401, 403 -> ". Check the credentials: gcloud auth application-default login, and the role"
          + " roles/pubsub.subscriber (roles/pubsub.editor to create subscriptions).";
      default -> ".";
    };
  }

  /** Counts and reports a failure, waits, and returns the next wait. */
  private long failed(String what, IOException e, long retryMs) {
    failures.incrementAndGet();
    long next = retryMs == 0 ? 500 : Math.min(MAX_RETRY_MS, retryMs * 2);
    if (retryMs == 0) {
      LOG.warn("Source {}: {}: {}; retrying with backoff", config.sourceId(), what, e.getMessage());
    }
    status = what + " failed (" + e.getMessage() + "); retrying in " + next + " ms";
    sleep(next);
    return next;
  }

  private void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      running = false;
    }
  }

  @Override
  public void stop() throws IOException {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    running = false;
    try {
      thread.join(60_000); // a pull answers within its timeout; then the last acknowledgement
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.interrupt();
    channel.close();
    status = "stopped";
  }

  /** A subscription has no end. */
  @Override
  public boolean endOfInput() {
    return false;
  }

  @Override
  public String status() {
    String problem = channel.storageProblem();
    return problem != null ? "waiting for the checkpoint location to be writable: " + problem : status;
  }

  @Override
  public Map<String, Long> metrics() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("messagesReceived", messages.get());
    m.put("bytesReceived", bytes.get());
    m.put("malformedMessages", malformed.get());
    m.put("duplicatesDropped", duplicates.get());
    m.put("pubsubFailures", failures.get());
    m.put("logRecords", channel.log().endOffset());
    return m;
  }
}
