package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.FinalizedOffsets;
import java.io.Serializable;
import org.apache.beam.sdk.io.UnboundedSource;

/**
 * A reader's position: the offset of the next record in the receive log. Finalizing it lets the
 * log drop what its retention allows: a memory log what is before it; a file log nothing on the
 * DirectRunner (which replays it all), what is below the oldest restore point on Flink. Where the
 * adapter asks for it, finalizing also records the offset in the location as durable in the
 * runner's checkpoint (see {@link FinalizedOffsets}).
 */
public final class SocketCheckpointMark implements UnboundedSource.CheckpointMark, Serializable {
  private final long offset;
  private final String receiverKey;

  SocketCheckpointMark(long offset, String receiverKey) {
    this.offset = offset;
    this.receiverKey = receiverKey;
  }

  public long offset() {
    return offset;
  }

  @Override
  public void finalizeCheckpoint() {
    Receivers.lookup(receiverKey).ifPresent(r -> r.finalized(offset));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SocketCheckpointMark m && m.offset == offset && m.receiverKey.equals(receiverKey);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(offset) * 31 + receiverKey.hashCode();
  }

  @Override
  public String toString() {
    return "SocketCheckpointMark{offset=" + offset + "}";
  }
}
