package dev.beamckpt.io.pubsub;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The messages in the receive log whose acknowledgement Pub/Sub has not confirmed, and the ones
 * being appended ({@code sources/<id>/unacked}), so that after a crash the receiver knows which
 * redelivered messages are in the log already. Written before each append, and after each
 * acknowledgement that confirmed some. An append's messages go into the log in order from its
 * offset, so those below the log's end at restart were logged (a torn append logs a prefix) and
 * the rest were not, and are taken when Pub/Sub delivers them again.
 *
 * <p>Ids inherited from a crashed run stay until their redelivered copies are acknowledged, across
 * further crashes. One whose acknowledgement had reached Pub/Sub just before the crash never comes
 * back, so inherited ids are forgotten after {@link #INHERITED_MS} of pulling: Pub/Sub redelivers
 * an unacknowledged message within its deadline (at most 10 minutes).
 */
final class UnackedMessages {
  static final long INHERITED_MS = TimeUnit.HOURS.toMillis(1);

  /** Messages being appended from {@code offset} on, in order. */
  record Appending(long offset, List<String> messageIds) {}

  /** The file's one record. */
  record Journal(List<String> logged, Appending appending) {}

  private final CheckpointStorage storage;
  private final String path;
  /** In the log, acknowledgement not confirmed. */
  private final Set<String> logged = new LinkedHashSet<>();
  private final Set<String> inherited = new HashSet<>();
  private long inheritedUntilNanos;

  /** @param storage the location, or null without one (then nothing outlives the process) */
  UnackedMessages(CheckpointStorage storage, String sourceId) {
    this.storage = storage;
    this.path = path(sourceId);
  }

  static String path(String sourceId) {
    return CheckpointLocation.SOURCES + "/" + sourceId + "/unacked";
  }

  /**
   * Takes over what a previous run left for a log now ending at {@code logEnd}: returns the ids of
   * the messages that are in the log but may not have been acknowledged.
   */
  Set<String> recover(long logEnd) throws IOException {
    if (storage != null && storage.exists(path)) {
      Journal journal = VersionedFormat.parse(VersionedFormat.read(storage.read(path)).get(0), Journal.class);
      logged.addAll(journal.logged());
      Appending a = journal.appending();
      for (int i = 0; a != null && i < a.messageIds().size() && a.offset() + i < logEnd; i++) {
        logged.add(a.messageIds().get(i));
      }
    }
    inherited.addAll(logged);
    inheritedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(INHERITED_MS);
    return Set.copyOf(logged);
  }

  /** Records that {@code messageIds} are about to be appended at {@code offset}; durable when this returns. */
  void beforeAppend(long offset, List<String> messageIds) throws IOException {
    write(new Appending(offset, List.copyOf(messageIds)));
  }

  /** The messages {@link #beforeAppend} announced are in the log. */
  void appended(Collection<String> messageIds) {
    logged.addAll(messageIds);
  }

  /** Pub/Sub confirmed these acknowledgements: the record leaves them out from now on. */
  void acknowledged(Collection<String> messageIds) throws IOException {
    boolean changed = logged.removeAll(messageIds);
    if (!inherited.isEmpty() && System.nanoTime() - inheritedUntilNanos > 0) {
      changed |= logged.removeAll(inherited);
      inherited.clear();
    }
    if (changed) {
      write(null);
    }
  }

  /** How many logged messages wait for a confirmed acknowledgement. */
  int logged() {
    return logged.size();
  }

  private void write(Appending appending) throws IOException {
    if (storage != null) {
      storage.replace(path, VersionedFormat.write(List.of(new Journal(new ArrayList<>(logged), appending))));
    }
  }
}
