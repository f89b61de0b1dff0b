package dev.beamckpt.io.pubsub;

import java.io.Serializable;

/**
 * A Pub/Sub source's settings, as PubsubLinesIO.Read builds them: a subscription to read, or a
 * topic to read through a subscription the source creates and keeps in the location.
 */
record PubsubConfig(String subscription, String topic, String sourceId, long watermarkDelayMs, int maxMessagesPerPull,
    int ackDeadlineSeconds) implements Serializable {

  static PubsubConfig defaults() {
    return new PubsubConfig(null, null, "0", 0, 1000, 60);
  }

  /** What the source reads, for messages: the subscription, or the topic. */
  String origin() {
    return subscription != null ? subscription : topic;
  }

  PubsubConfig withSubscription(String value) {
    return new PubsubConfig(value, topic, sourceId, watermarkDelayMs, maxMessagesPerPull, ackDeadlineSeconds);
  }

  PubsubConfig withTopic(String value) {
    return new PubsubConfig(subscription, value, sourceId, watermarkDelayMs, maxMessagesPerPull, ackDeadlineSeconds);
  }

  PubsubConfig withSourceId(String value) {
    return new PubsubConfig(subscription, topic, value, watermarkDelayMs, maxMessagesPerPull, ackDeadlineSeconds);
  }

  PubsubConfig withWatermarkDelayMs(long value) {
    return new PubsubConfig(subscription, topic, sourceId, value, maxMessagesPerPull, ackDeadlineSeconds);
  }

  PubsubConfig withMaxMessagesPerPull(int value) {
    return new PubsubConfig(subscription, topic, sourceId, watermarkDelayMs, value, ackDeadlineSeconds);
  }

  PubsubConfig withAckDeadlineSeconds(int value) {
    return new PubsubConfig(subscription, topic, sourceId, watermarkDelayMs, maxMessagesPerPull, value);
  }
}
