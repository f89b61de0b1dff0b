package dev.beamckpt.io.pubsub;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Google's Pub/Sub emulator (the google-cloud-cli-pubsub-emulator package, which {@code .ci/run}
 * installs) as a real process on a free loopback port: the Pub/Sub of the tests. It keeps topics
 * and subscriptions in memory, so it is started once per test class.
 */
public final class PubsubEmulator implements AutoCloseable {
  static final Path INSTALLED = Path.of("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator");
  private final Process process;
  private final int port;
  private final Path log;
  private final PubsubClient client;

  private PubsubEmulator(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.client = new PubsubClient(rootUrl(), null);
  }

  /** Starts the emulator; returns once it answers. */
  public static PubsubEmulator start() throws IOException, InterruptedException {
    Path binary = binary();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = Files.createTempFile("pubsub-emulator-", ".log");
    Process process = new ProcessBuilder(List.of(binary.toString(), "--host=127.0.0.1", "--port=" + port))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PubsubEmulator emulator = new PubsubEmulator(process, port, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        emulator.client.exists("projects/probe/topics/probe");
        return emulator;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          process.destroyForcibly();
          throw new IOException("The Pub/Sub emulator did not start on port " + port + ": " + Files.readString(log));
        }
        Thread.sleep(100);
      }
    }
  }

  /** $PUBSUB_EMULATOR_BIN, else where google-cloud-cli-pubsub-emulator installs it. */
  static Path binary() {
    String configured = System.getenv("PUBSUB_EMULATOR_BIN");
    Path binary = configured != null && !configured.isBlank() ? Path.of(configured) : INSTALLED;
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("The Pub/Sub emulator is not installed (looked at " + binary + "). Run .ci/run,"
          + " which installs it, or: apt-get install google-cloud-cli-pubsub-emulator (or gcloud components install"
          + " pubsub-emulator, then set PUBSUB_EMULATOR_BIN to its bin/cloud-pubsub-emulator).");
    }
    return binary;
  }

  /** For {@code --pubsubRootUrl}. */
  public String rootUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** For {@code PUBSUB_EMULATOR_HOST}. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  public void createTopic(String topic) throws IOException {
    client.createTopic(topic);
  }

  /** Creates a subscription with the given acknowledgement deadline (seconds, 10 to 600). */
  public void createSubscription(String subscription, String topic, int ackDeadlineSeconds) throws IOException {
    if (!client.createSubscription(subscription, topic, ackDeadlineSeconds)) {
      throw new IOException(subscription + " exists already");
    }
  }

  /** Publishes UTF-8 messages; returns their ids. */
  public List<String> publish(String topic, List<String> messages) throws IOException {
    return client.publish(topic, messages);
  }

  public List<String> publishBytes(String topic, byte[] message) throws IOException {
    return client.publishBytes(topic, List.of(message));
  }

  /** Pulls and acknowledges what is there now (for a test that checks a subscription is drained). */
  public List<String> drain(String subscription) throws IOException {
    List<PubsubClient.Received> got = client.pull(subscription, 1000);
    if (!got.isEmpty()) {
      client.acknowledge(subscription, got.stream().map(PubsubClient.Received::ackId).toList());
    }
    return got.stream().map(m -> new String(m.data(), java.nio.charset.StandardCharsets.UTF_8)).toList();
  }

  public boolean exists(String resource) throws IOException {
    return client.exists(resource);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
