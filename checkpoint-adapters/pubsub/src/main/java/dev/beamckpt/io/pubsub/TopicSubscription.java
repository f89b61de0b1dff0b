package dev.beamckpt.io.pubsub;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.List;
import java.util.UUID;

/**
 * The subscription a source reading a topic reads through. A topic keeps messages only for its
 * subscriptions, so what is published while the query is stopped reaches the restarted query only
 * if both runs read the same one: its name is kept in the location ({@code sources/<id>/subscription}),
 * created with the first run, and the subscription outlives the query. Without a location the
 * subscription is the run's own, deleted when it stops (Beam's PubsubIO does the same with a topic).
 */
final class TopicSubscription {
  /** The record: the subscription and the topic it was created for. */
  record Recorded(String subscription, String topic) {}

  private TopicSubscription() {}

  static String path(String sourceId) {
    return CheckpointLocation.SOURCES + "/" + sourceId + "/subscription";
  }

  /**
   * The subscription recorded in {@code location} for {@code topic}, recorded now if none is; fails
   * naming both topics if the location's subscription was created for another.
   *
   * @param location null without a checkpoint location: a new name each time
   */
  static String resolve(CheckpointStorage location, String sourceId, String topic) throws IOException {
    String fresh = newName(topic);
    if (location == null) {
      return fresh;
    }
    String path = path(sourceId);
    location.createIfAbsent(path, VersionedFormat.write(List.of(new Recorded(fresh, topic))));
    Recorded recorded = VersionedFormat.parse(VersionedFormat.read(location.read(path)).get(0), Recorded.class);
    if (!recorded.topic().equals(topic)) {
      throw new IOException("Source " + sourceId + " of the checkpoint location " + location.uri() + " reads topic "
          + recorded.topic() + " (through " + recorded.subscription() + "), but this run names topic " + topic
          + ". Run with --topic=" + recorded.topic() + " to continue the query, or use a new checkpoint location for"
          + " the other topic.");
    }
    return recorded.subscription();
  }

  /** {@code projects/p/topics/t} → {@code projects/p/subscriptions/t-beamckpt-1a2b3c4d} (Pub/Sub allows 255 characters). */
  static String newName(String topic) {
    String project = topic.substring(0, topic.indexOf("/topics/"));
    String name = topic.substring(topic.indexOf("/topics/") + "/topics/".length());
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    return project + "/subscriptions/" + name + "-beamckpt-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
