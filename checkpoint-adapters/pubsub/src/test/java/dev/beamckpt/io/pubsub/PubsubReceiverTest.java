package dev.beamckpt.io.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.source.ReceiverContext;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The receiver against Google's Pub/Sub emulator (a real process), with a receive log on disk. */
class PubsubReceiverTest {
  private static PubsubEmulator emulator;
  private static PubsubClient client;
  @TempDir Path dir;

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = PubsubEmulator.start();
    client = new PubsubClient(emulator.rootUrl(), null);
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    emulator.close();
  }

  private static String topic(String name) throws IOException {
    String topic = "projects/test/topics/" + name;
    emulator.createTopic(topic);
    return topic;
  }

  private PubsubReceiver receiver(PubsubConfig config, LocalStorage storage, ReceiveLog log) {
    return new PubsubReceiver(config, client, new ReceiverContext(log, LogRetention.finalizedOnly(), null, storage,
        PipelineOptionsFactory.create()));
  }

  private static List<String> lines(LocalStorage storage) throws IOException {
    return FileReceiveLog.readAll(storage, "sources/0").stream().map(LogRecord::line).toList();
  }

  @Test
  void logsEveryMessageOnceAndAcknowledgesWhatItLogged() throws Exception {
    String topic = topic("logs-once");
    String subscription = "projects/test/subscriptions/logs-once";
    emulator.createSubscription(subscription, topic, 10);
    List<String> sent = IntStream.range(0, 2500).mapToObj(i -> "line " + i).toList();
    emulator.publish(topic, sent);
    LocalStorage storage = LocalStorage.at(dir);
    PubsubReceiver receiver = receiver(PubsubConfig.defaults().withSubscription(subscription), storage,
        FileReceiveLog.open(storage, "sources/0"));
    receiver.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.channel().log().endOffset() == sent.size());
    receiver.stop();
    assertEquals(sent, lines(storage));
    assertEquals(2500L, receiver.metrics().get("messagesReceived"));
    // Unacknowledged messages come back once their 10 s deadline passed; acknowledged ones never do.
    Thread.sleep(11_000);
    assertEquals(List.of(), emulator.drain(subscription));
  }

  @Test
  void afterACrashMessagesAlreadyLoggedAreDroppedAndTheRestIsLogged() throws Exception {
    String topic = topic("crash-window");
    String subscription = "projects/test/subscriptions/crash-window";
    emulator.createSubscription(subscription, topic, 10);
    List<String> ids = emulator.publish(topic, List.of("a", "b", "c"));
    // The state a receiver killed mid-append leaves: the three recorded as unacknowledged, two of
    // them in the log, none acknowledged, and Pub/Sub's lease on them ended.
    LocalStorage storage = LocalStorage.at(dir);
    new UnackedMessages(storage, "0").beforeAppend(0, ids);
    try (FileReceiveLog log = FileReceiveLog.open(storage, "sources/0")) {
      log.append(List.of("a", "b"), 1000);
    }
    List<PubsubClient.Received> leased = client.pull(subscription, 10);
    assertEquals(3, leased.size());
    client.nack(subscription, leased.stream().map(PubsubClient.Received::ackId).toList());

    PubsubReceiver receiver = receiver(PubsubConfig.defaults().withSubscription(subscription), storage,
        FileReceiveLog.open(storage, "sources/0"));
    receiver.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.metrics().get("duplicatesDropped") == 2
        && receiver.channel().log().endOffset() == 3);
    receiver.stop();
    assertEquals(List.of("a", "b", "c"), lines(storage));
    Thread.sleep(11_000);
    assertEquals(List.of(), emulator.drain(subscription), "the dropped duplicates were acknowledged too");
  }

  @Test
  void aTopicIsReadThroughASubscriptionKeptInTheLocationSoMessagesSentWhileStoppedArrive() throws Exception {
    String topic = topic("kept-sub");
    LocalStorage storage = LocalStorage.at(dir);
    PubsubConfig config = PubsubConfig.defaults().withTopic(topic);
    PubsubReceiver first = receiver(config, storage, FileReceiveLog.open(storage, "sources/0"));
    first.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> first.status().startsWith("pulling"));
    emulator.publish(topic, List.of("before stop"));
    await().atMost(Duration.ofSeconds(30)).until(() -> first.channel().log().endOffset() == 1);
    first.stop();

    emulator.publish(topic, List.of("while stopped 1", "while stopped 2"));
    PubsubReceiver second = receiver(config, storage, FileReceiveLog.open(storage, "sources/0"));
    second.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> second.channel().log().endOffset() == 3);
    second.stop();
    assertEquals(List.of("before stop", "while stopped 1", "while stopped 2"), lines(storage));
    String recorded = VersionedFormat.parse(VersionedFormat.read(storage.read(TopicSubscription.path("0"))).get(0),
        TopicSubscription.Recorded.class).subscription();
    assertTrue(recorded.startsWith("projects/test/subscriptions/kept-sub-beamckpt-"), recorded);
    assertTrue(emulator.exists(recorded), "the subscription outlives the query");

    IOException other = assertThrows(IOException.class,
        () -> TopicSubscription.resolve(storage, "0", "projects/test/topics/another"));
    assertTrue(other.getMessage().contains("reads topic " + topic) && other.getMessage().contains("--topic=" + topic),
        other.getMessage());
  }

  @Test
  void withoutALocationATopicsSubscriptionIsTheRunsOwnAndDeletedAtStop() throws Exception {
    String topic = topic("own-sub");
    PubsubReceiver receiver = new PubsubReceiver(PubsubConfig.defaults().withTopic(topic), client,
        new ReceiverContext(new dev.beamckpt.checkpoint.source.log.MemoryReceiveLog(), LogRetention.finalizedOnly(),
            null, null, PipelineOptionsFactory.create()));
    receiver.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.status().startsWith("pulling"));
    String subscription = receiver.status().split(" ")[1];
    assertTrue(emulator.exists(subscription));
    receiver.stop();
    assertTrue(!emulator.exists(subscription), subscription + " deleted");
  }

  @Test
  void aMissingSubscriptionIsReportedAndRetriedUntilItExists() throws Exception {
    String topic = topic("late-sub");
    String subscription = "projects/test/subscriptions/late-sub";
    LocalStorage storage = LocalStorage.at(dir);
    PubsubReceiver receiver = receiver(PubsubConfig.defaults().withSubscription(subscription), storage,
        FileReceiveLog.open(storage, "sources/0"));
    receiver.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.status().contains("Subscription does not exist"));
    emulator.createSubscription(subscription, topic, 10);
    emulator.publish(topic, List.of("late"));
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.channel().log().endOffset() == 1);
    assertTrue(receiver.metrics().get("pubsubFailures") >= 1);
    receiver.stop();
  }

  @Test
  void invalidUtf8IsReplacedAndCounted() throws Exception {
    String topic = topic("bad-bytes");
    String subscription = "projects/test/subscriptions/bad-bytes";
    emulator.createSubscription(subscription, topic, 10);
    List<String> sent = new ArrayList<>(List.of("ok"));
    emulator.publish(topic, sent);
    emulator.publishBytes(topic, new byte[] {'x', (byte) 0xC3, 'y'});
    LocalStorage storage = LocalStorage.at(dir);
    PubsubReceiver receiver = receiver(PubsubConfig.defaults().withSubscription(subscription), storage,
        FileReceiveLog.open(storage, "sources/0"));
    receiver.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> receiver.channel().log().endOffset() == 2);
    receiver.stop();
    assertEquals(List.of("ok", "x\uFFFDy"), lines(storage));
    assertEquals(1L, receiver.metrics().get("malformedMessages"));
  }
}
