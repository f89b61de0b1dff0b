package dev.beamckpt.io.socket;

import dev.beamckpt.checkpoint.source.LoggedUnboundedSource;
import dev.beamckpt.checkpoint.source.Receiver;
import dev.beamckpt.checkpoint.source.ReceiverContext;

/**
 * The source behind {@link SocketIO#read()}: a {@link LoggedUnboundedSource} whose receiver is a
 * socket client. It does not split: one connection is one ordered stream.
 */
final class SocketSource extends LoggedUnboundedSource {
  private final SocketConfig config;

  SocketSource(SocketConfig config) {
    this.config = config;
  }

  @Override
  protected Receiver newReceiver(ReceiverContext context) {
    return new LineReceiver(config, context.log(), context.retention(), context.finalizedTo());
  }

  @Override
  protected long watermarkDelayMs() {
    return config.watermarkDelayMs();
  }

  @Override
  public String sourceId() {
    return config.sourceId();
  }

  @Override
  public String description() {
    return "socket " + config.address() + " (source " + config.sourceId() + ")";
  }

  @Override
  public String fingerprintName() {
    return "SocketIO(id " + config.sourceId() + ")";
  }
}
