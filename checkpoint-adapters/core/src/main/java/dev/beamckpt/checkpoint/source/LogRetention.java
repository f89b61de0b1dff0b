package dev.beamckpt.checkpoint.source;

import java.util.OptionalLong;

/**
 * How far back a receive log must reach, decided each time the runner finalizes a checkpoint
 * mark at {@code finalizedOffset}: the offset below which the log may be trimmed, if any.
 */
@FunctionalInterface
public interface LogRetention {

  OptionalLong trimBelow(long finalizedOffset);

  /** Keep every record: the DirectRunner rebuilds state by replaying the whole log. */
  static LogRetention keepAll() {
    return offset -> OptionalLong.empty();
  }

  /** Drop what the runner has finalized: nothing will read it again (a log in memory, without a location). */
  static LogRetention finalizedOnly() {
    return OptionalLong::of;
  }
}
