package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.GatedLogReader;
import dev.beamckpt.checkpoint.source.SourceChannel;
import org.apache.beam.sdk.io.UnboundedSource;

/**
 * The socket source's reader: the core's {@link GatedLogReader} over the receive log the shared
 * {@link LineReceiver} fills (the socket itself is never read here), with the socket's mark.
 */
final class SocketReader extends GatedLogReader {
  private final SocketSource source;
  private final String receiverKey;

  SocketReader(SocketSource source, SourceChannel channel, LineReceiver receiver, String receiverKey, SocketCheckpointMark mark) {
    super(channel, receiver.log(), mark != null ? mark.offset() : receiver.log().startOffset(),
        source.config().watermarkDelayMs());
    this.source = source;
    this.receiverKey = receiverKey;
  }

  @Override
  public UnboundedSource.CheckpointMark getCheckpointMark() {
    return new SocketCheckpointMark(position(), receiverKey);
  }

  @Override
  public UnboundedSource<String, ?> getCurrentSource() {
    return source;
  }
}
