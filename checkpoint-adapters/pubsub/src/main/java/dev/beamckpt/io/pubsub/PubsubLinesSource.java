package dev.beamckpt.io.pubsub;

import dev.beamckpt.checkpoint.source.LoggedUnboundedSource;
import dev.beamckpt.checkpoint.source.Receiver;
import dev.beamckpt.checkpoint.source.ReceiverContext;

/**
 * The source behind {@link PubsubLinesIO#read()}: a {@link LoggedUnboundedSource} whose receiver
 * pulls a subscription. It does not split: one receiver keeps one ordered log.
 */
final class PubsubLinesSource extends LoggedUnboundedSource {
  private final PubsubConfig config;

  PubsubLinesSource(PubsubConfig config) {
    this.config = config;
  }

  @Override
  protected Receiver newReceiver(ReceiverContext context) {
    return new PubsubReceiver(config, PubsubClients.forOptions(context.options()), context);
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
    return "pubsub " + config.origin() + " (source " + config.sourceId() + ")";
  }

  @Override
  public String fingerprintName() {
    return "PubsubLinesIO(id " + config.sourceId() + ")";
  }
}
