package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.io.pubsub.PubsubEmulator;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word count reading Pub/Sub (Google's emulator, a real process) on the Direct runner and on
 * Flink in-process: the seed's scenario with messages published while the query is stopped, and
 * SIGKILLs while messages are published. Pub/Sub keeps every message until it is acknowledged, and
 * the source acknowledges only what its log holds, so unlike a socket nothing is in flight: the
 * final counts must equal the counts of every message published, exactly.
 */
@Tag(Campaign.TAG)
class PubsubQueryTest {
  private static final String END_MARKER = "end-of-stream-marker";
  private static PubsubEmulator emulator;
  @TempDir Path tmp;

  @BeforeAll
  static void startEmulator() throws Exception {
    emulator = PubsubEmulator.start();
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    emulator.close();
  }

  @Test
  void seedScenarioWithATopic() throws Exception {
    seedScenario("seed-direct");
  }

  @Test
  void seedScenarioWithATopicOnFlink() throws Exception {
    seedScenario("seed-flink", "--runner=FlinkRunner");
  }

  /**
   * The query reads the topic through a subscription it creates at its first start and keeps in the
   * location; a message published while it is stopped is counted by the restart's first batch.
   */
  private void seedScenario(String name, String... runnerArgs) throws Exception {
    String topic = "projects/demo/topics/" + name;
    emulator.createTopic(topic);
    Path location = tmp.resolve("word_count");
    List<String> args = new ArrayList<>(List.of(runnerArgs));
    args.addAll(List.of("--topic=" + topic, "--pubsubRootUrl=" + emulator.rootUrl(),
        "--checkpointLocation=" + location, "--trigger=1 second"));

    QueryProcess first = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
    // A topic keeps messages only for subscriptions that exist when they are published.
    Path recorded = location.resolve("sources/0/subscription");
    first.await("the query's subscription", Duration.ofSeconds(90), () -> Files.exists(recorded)
        && emulator.exists(VersionedFormat.JSON.readTree(VersionedFormat.read(Files.readAllBytes(recorded)).get(0))
            .get("subscription").asText()));
    emulator.publish(topic, List.of("hello world hello spark"));
    first.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 1");
    assertEquals(List.of(new QueryProcess.ConsoleBatch(1, List.of("hello=2", "spark=1", "world=1"))),
        QueryProcess.batches(first.stdout()));
    first.stopGracefully(Duration.ofSeconds(60));

    emulator.publish(topic, List.of("hello spark streaming")); // published while the query is down

    QueryProcess second = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
    second.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), Duration.ofSeconds(90), "batch 2");
    assertEquals(List.of(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "spark=2", "streaming=1", "world=1"))),
        QueryProcess.batches(second.stdout()));
    second.stopGracefully(Duration.ofSeconds(60));
  }

  @Test
  void sigkillsWhilePublishingLoseNothingAndCountNothingTwice() throws Exception {
    sigkills("kills-direct", Campaign.kills(3), 61);
  }

  @Test
  void sigkillsWhilePublishingOnFlinkLoseNothingAndCountNothingTwice() throws Exception {
    sigkills("kills-flink", Campaign.kills(2), 67, "--runner=FlinkRunner");
  }

  /**
   * Publishes Zipf lines at about 2,000 a second and SIGKILLs the query {@code kills} times, each at
   * a random moment up to 2 s after the running query committed a batch, restarting it at once.
   */
  private void sigkills(String name, int kills, long seed, String... runnerArgs) throws Exception {
    String topic = "projects/demo/topics/" + name;
    String subscription = "projects/demo/subscriptions/" + name;
    emulator.createTopic(topic);
    emulator.createSubscription(subscription, topic, 10);
    Path location = tmp.resolve("word_count");
    LocalStorage storage = LocalStorage.at(location);
    Path output = tmp.resolve("out");
    List<String> args = new ArrayList<>(List.of(runnerArgs));
    args.addAll(List.of("--subscription=" + subscription, "--pubsubRootUrl=" + emulator.rootUrl(),
        "--checkpointLocation=" + location, "--trigger=200 ms", "--sink=files", "--output=" + output));
    Random random = new Random(seed);
    int budget = Math.max(100_000, kills * 40_000); // a kill cycle (restart, a commit, up to 2 s) publishes about 22,000
    List<String> lines = ZipfLines.generate(budget, 2_000, 1.1, seed);
    List<String> published = new ArrayList<>();
    QueryProcess query = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
    long commitsAtStart = 0;
    long killAt = -1;
    int done = 0;
    int chunk = 100;
    for (int sent = 0; done < kills; sent += chunk) {
      List<String> next = lines.subList(sent, sent + chunk);
      emulator.publish(topic, next);
      published.addAll(next);
      if (killAt < 0 && Locations.latest(storage, "commits").orElse(0L) > commitsAtStart) {
        killAt = sent + random.nextInt(40) * chunk; // within about 2 s
      }
      if (killAt >= 0 && sent >= killAt) {
        query.kill();
        System.out.printf("SIGKILL %d of the Pub/Sub word count%s after %d messages published, %d in the log%n",
            done + 1, Arrays.toString(runnerArgs), published.size(), Locations.receiveLog(storage).size());
        query = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
        commitsAtStart = Locations.latest(storage, "commits").orElse(0L);
        killAt = -1;
        done++;
      }
      query.assertAlive();
      Thread.sleep(50);
      if (sent + 2 * chunk > lines.size()) {
        throw new AssertionError("the query committed no batch while " + budget + " messages were published");
      }
    }
    int more = published.size();
    for (String line : lines.subList(more, more + 20 * chunk)) { // the last restart receives too
      published.add(line);
    }
    emulator.publish(topic, lines.subList(more, more + 20 * chunk));
    emulator.publish(topic, List.of(END_MARKER));
    published.add(END_MARKER);
    // Messages a killed query had pulled and not logged come back once their 10 s deadline passed.
    Map<String, Long> expected = Locations.wordCountsOfLines(published);
    query.await("every published message in the output (or a count above it)", Duration.ofMinutes(5), () -> {
      Map<String, Long> counts = Files.isDirectory(output) ? Locations.countsOf(Locations.fileSinkRows(output, true)) : Map.of();
      return counts.equals(expected) || counts.entrySet().stream().anyMatch(e -> e.getValue() > expected.getOrDefault(e.getKey(), 0L));
    });
    query.stopGracefully(Duration.ofSeconds(60));

    List<LogRecord> log = Locations.receiveLog(storage);
    assertEquals(published.size(), log.size(), "the receive log holds each published message once");
    assertEquals(expected, Locations.countsOf(Locations.fileSinkRows(output, true)));
    assertEquals(expected, Locations.wordCounts(log));
    System.out.printf("[Pub/Sub%s] %d SIGKILLs while publishing %d messages: 0 lost, 0 counted twice%n",
        Arrays.toString(runnerArgs), kills, published.size());
  }
}
