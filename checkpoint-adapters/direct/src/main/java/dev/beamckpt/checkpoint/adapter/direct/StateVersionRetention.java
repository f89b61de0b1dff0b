package dev.beamckpt.checkpoint.adapter.direct;

import dev.beamckpt.checkpoint.log.OffsetLog;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.LogRetentionProvider;
import dev.beamckpt.checkpoint.state.StateStores;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a receive log back to where the oldest retained state version ends, as Flink's retention
 * keeps it back to the oldest restore point: a restart on the DirectRunner restores a version at
 * or after that one and reads the log from its end. Nothing is trimmed before the first snapshot.
 * A query without state keeps the log back to where the oldest retained batch ends.
 */
final class StateVersionRetention implements LogRetention {
  private static final Logger LOG = LoggerFactory.getLogger(StateVersionRetention.class);
  private static final long RESCAN_MS = 2_000;
  private final CheckpointStorage location;
  private final String sourceId;
  /** A query without state resumes at its last commit: the log below the oldest retained batch goes. */
  private final boolean stateless;
  /** 0: never (Long.MIN_VALUE would overflow the subtraction below into "scanned just now"). */
  private long scannedAtMs;
  private OptionalLong floor = OptionalLong.empty();

  StateVersionRetention(CheckpointStorage location, String sourceId, boolean stateless) {
    this.location = location;
    this.sourceId = sourceId;
    this.stateless = stateless;
  }

  @Override
  public synchronized OptionalLong trimBelow(long finalizedOffset) {
    long now = System.currentTimeMillis();
    if (now - scannedAtMs >= RESCAN_MS) {
      scannedAtMs = now;
      try {
        floor = stateless ? oldestRetainedBatchEnd() : StateStores.oldestRestorableEnd(location, sourceId);
      } catch (IOException e) {
        LOG.warn("Reading the state versions in {} (the receive log is not trimmed meanwhile): {}", location.uri(),
            e.getMessage());
        floor = OptionalLong.empty();
      }
    }
    return floor.isPresent() ? OptionalLong.of(Math.min(floor.getAsLong(), finalizedOffset)) : OptionalLong.empty();
  }

  private OptionalLong oldestRetainedBatchEnd() throws IOException {
    OffsetLog offsets = new OffsetLog(location);
    for (long batch : offsets.batchIds()) {
      Optional<OffsetSeq> seq = offsets.get(batch);
      if (seq.isPresent()) {
        return OptionalLong.of(seq.get().endOffset(sourceId));
      }
    }
    return OptionalLong.empty();
  }

  /** Offers the retention to the sources of a query on the DirectRunner. */
  public static class Provider implements LogRetentionProvider {
    static final String NAME = "direct-state-versions";
    private final String name;
    private final boolean stateless;

    public Provider() {
      this(NAME, false);
    }

    Provider(String name, boolean stateless) {
      this.name = name;
      this.stateless = stateless;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public LogRetention create(CheckpointStorage location, String sourceId) {
      return new StateVersionRetention(location, sourceId, stateless);
    }
  }

  /** The retention of a query without state on the DirectRunner. */
  public static final class StatelessProvider extends Provider {
    static final String NAME = "direct-committed-offsets";

    public StatelessProvider() {
      super(NAME, true);
    }
  }
}
