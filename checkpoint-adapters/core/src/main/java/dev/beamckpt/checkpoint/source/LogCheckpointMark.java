package dev.beamckpt.checkpoint.source;

import java.io.Serializable;
import org.apache.beam.sdk.io.UnboundedSource;

/**
 * A reader's position: the offset of the next record in the receive log. Finalizing it lets the
 * log drop what its retention allows: a memory log what is before it; a file log nothing on the
 * DirectRunner (which replays it all), what is below the oldest restore point on Flink. Where the
 * adapter asks for it, finalizing also records the offset in the location as durable in the
 * runner's checkpoint (see {@link FinalizedOffsets}).
 */
public final class LogCheckpointMark implements UnboundedSource.CheckpointMark, Serializable {
  private final long offset;
  private final String receiverKey;

  /** @param receiverKey the receiver in {@link Receivers} that finalizing notifies */
  public LogCheckpointMark(long offset, String receiverKey) {
    this.offset = offset;
    this.receiverKey = receiverKey;
  }

  public long offset() {
    return offset;
  }

  @Override
  public void finalizeCheckpoint() {
    Receivers.lookup(receiverKey).ifPresent(r -> r.channel().finalized(offset));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogCheckpointMark m && m.offset == offset && m.receiverKey.equals(receiverKey);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(offset) * 31 + receiverKey.hashCode();
  }

  @Override
  public String toString() {
    return "LogCheckpointMark{offset=" + offset + "}";
  }
}
