package dev.beamckpt.checkpoint.source.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who writes a receive log: one writer at a time, and a new one takes the log over. Without it,
 * a receiver left running in one JVM (a TaskManager whose task was cancelled by a failover keeps
 * its receiver a while, for a reader that may resume there) and the receiver of the restored
 * reader in another JVM would append to the same file, each at its own idea of the end.
 *
 * <p>A new writer names itself in {@code <log>/writer}, then waits until the writer it replaced
 * has released the log ({@code <log>/writer.released} names it): that writer checks the claim
 * every {@link #checkEvery} and, once replaced, drains its input into the log, closes it and
 * releases. A writer known dead (a process of this host that no longer runs) is not waited for; one
 * that cannot be asked (another host) is waited for at most {@link #LIVE_WRITER_WAIT}.
 */
final class WriterClaim {
  private static final Logger LOG = LoggerFactory.getLogger(WriterClaim.class);
  static final String WRITER = "writer";
  static final String RELEASED = "writer.released";
  /** Longer than a replaced receiver takes to drain its input and close the log. */
  static final Duration LIVE_WRITER_WAIT = Duration.ofSeconds(15);
  private static final String HOST = hostName();

  private final CheckpointStorage storage;
  private final String dir;
  /** {@code <uuid> <host> <pid>}: unique, and says where the writer runs. */
  private final String id;
  private final Duration checkEvery;

  private WriterClaim(CheckpointStorage storage, String dir, String id, Duration checkEvery) {
    this.storage = storage;
    this.dir = dir;
    this.id = id;
    this.checkEvery = checkEvery;
  }

  /**
   * Claims the log in {@code dir}: returns once the previous writer released it, is known dead,
   * or did not answer within {@link #LIVE_WRITER_WAIT}.
   */
  static WriterClaim take(CheckpointStorage storage, String dir) throws IOException {
    // A check every 100 ms costs a small file read; on an object store a GET a second.
    Duration checkEvery = Duration.ofMillis(storage.sealsSegments() ? 1000 : 100);
    WriterClaim claim = new WriterClaim(storage, dir,
        UUID.randomUUID() + " " + HOST + " " + ProcessHandle.current().pid(), checkEvery);
    Optional<String> previous = claim.read(WRITER);
    storage.replace(dir + "/" + WRITER, claim.id.getBytes(StandardCharsets.UTF_8));
    if (previous.isPresent() && !claim.read(RELEASED).orElse("").equals(previous.get()) && !knownDead(previous.get())) {
      claim.awaitRelease(previous.get());
    }
    return claim;
  }

  private void awaitRelease(String previous) throws IOException {
    LOG.info("Receive log {}: taking it over from writer {}; waiting for it to drain and release the log",
        storage.nameOf(dir), previous);
    long deadline = System.nanoTime() + LIVE_WRITER_WAIT.toNanos();
    while (!read(RELEASED).orElse("").equals(previous)) {
      if (knownDead(previous)) {
        LOG.info("Receive log {}: writer {} is gone; taking it over", storage.nameOf(dir), previous);
        return;
      }
      if (System.nanoTime() > deadline) {
        LOG.warn("Receive log {}: writer {} did not release it within {} s; taking it over (it is presumably gone)",
            storage.nameOf(dir), previous, LIVE_WRITER_WAIT.toSeconds());
        return;
      }
      try {
        Thread.sleep(checkEvery.toMillis() / 2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while taking receive log " + storage.nameOf(dir) + " over", e);
      }
    }
  }

  /** How often the writer checks that the log is still its own. */
  Duration checkEvery() {
    return checkEvery;
  }

  /** The writer that replaced this one, or empty while the log is still this writer's. */
  Optional<String> replacedBy() throws IOException {
    return read(WRITER).filter(current -> !current.equals(id));
  }

  /** Says the log is free: the writer that replaced this one (or the next) need not wait. */
  void releaseQuietly() {
    try {
      storage.replace(dir + "/" + RELEASED, id.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      LOG.warn("Receive log {}: could not record its release ({}); the next writer waits up to {} s for it",
          storage.nameOf(dir), e.getMessage(), LIVE_WRITER_WAIT.toSeconds());
    }
  }

  @Override
  public String toString() {
    return id;
  }

  private Optional<String> read(String name) throws IOException {
    try {
      return Optional.of(new String(storage.read(dir + "/" + name), StandardCharsets.UTF_8).strip());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** A writer on this host whose process no longer runs. */
  private static boolean knownDead(String writer) {
    String[] parts = writer.split(" ");
    if (parts.length != 3 || !parts[1].equals(HOST)) {
      return false;
    }
    try {
      return ProcessHandle.of(Long.parseLong(parts[2])).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}
