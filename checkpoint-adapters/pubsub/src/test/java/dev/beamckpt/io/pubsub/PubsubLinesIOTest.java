package dev.beamckpt.io.pubsub;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/** What PubsubLinesIO refuses before anything runs, and the message it gives. */
class PubsubLinesIOTest {

  private static String refusal(PubsubLinesIO.Read read, String... args) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(args).create());
    return assertThrows(IllegalArgumentException.class, () -> p.apply(read)).getMessage();
  }

  @Test
  void namesThatAreNotPubsubResourcesAreRefusedWithTheFormToWrite() {
    String bare = refusal(PubsubLinesIO.read().fromSubscription("words"));
    assertTrue(bare.contains("'words' is not a subscription name") && bare.contains("projects/<project>/subscriptions/<name>"), bare);
    String shortName = refusal(PubsubLinesIO.read().fromTopic("projects/p/topics/ab"));
    assertTrue(shortName.contains("3 to 255"), shortName);
    String both = refusal(PubsubLinesIO.read().fromTopic("projects/p/topics/abc").fromSubscription("projects/p/subscriptions/abc"));
    assertTrue(both.contains("exactly one of"), both);
    String neither = refusal(PubsubLinesIO.read());
    assertTrue(neither.contains("exactly one of"), neither);
    String id = refusal(PubsubLinesIO.read().fromTopic("projects/p/topics/abc").withSourceId("a/b"));
    assertTrue(id.contains("source id 'a/b'"), id);
  }

  @Test
  void aSubscriptionThatDoesNotExistIsNamedBeforeTheQueryRuns() throws Exception {
    try (PubsubEmulator emulator = PubsubEmulator.start()) {
      String missing = refusal(PubsubLinesIO.read().fromSubscription("projects/test/subscriptions/nowhere"),
          "--pubsubRootUrl=" + emulator.rootUrl());
      assertTrue(missing.contains("projects/test/subscriptions/nowhere does not exist at " + emulator.rootUrl()), missing);
    }
  }
}
