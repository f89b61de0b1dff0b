package dev.beamckpt.io.pubsub;

import dev.beamckpt.checkpoint.source.LoggedUnboundedSource;
import java.io.IOException;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the messages of a Google Cloud Pub/Sub subscription as UTF-8 text, one element per message,
 * exactly once across stops, crashes and restarts: with {@code --checkpointLocation} each message
 * is appended to a durable receive log under {@code sources/<id>/} and acknowledged only then, and
 * a message Pub/Sub delivers again after a crash is recognised by its id and dropped.
 *
 * <pre>{@code
 * PCollection<String> lines = p.apply(PubsubLinesIO.read().fromSubscription("projects/p/subscriptions/words"));
 * }</pre>
 *
 * With {@link Read#fromTopic} the source reads through a subscription of its own, created at the
 * first run and kept in the location, so messages published while the query is stopped are read
 * when it restarts. Element timestamps are ingestion times, as {@code SocketIO}'s; the watermark
 * trails the latest by {@link Read#withWatermarkDelay}. Where Pub/Sub is: {@code --pubsubRootUrl}
 * (an emulator: {@code http://localhost:8085}) or {@code $PUBSUB_EMULATOR_HOST}.
 */
public final class PubsubLinesIO {
  private static final Logger LOG = LoggerFactory.getLogger(PubsubLinesIO.class);
  /** Pub/Sub's resource names: 3 to 255 characters, starting with a letter. */
  private static final String NAME = "[A-Za-z][A-Za-z0-9\\-_.~+%]{2,254}";
  private static final Pattern SUBSCRIPTION = Pattern.compile("projects/[^/]+/subscriptions/" + NAME);
  private static final Pattern TOPIC = Pattern.compile("projects/[^/]+/topics/" + NAME);

  private PubsubLinesIO() {}

  public static Read read() {
    return new Read(PubsubConfig.defaults());
  }

  /** The {@link PTransform} reading Pub/Sub; configure with the {@code withX} and {@code fromX} methods. */
  public static final class Read extends PTransform<PBegin, PCollection<String>> {
    private final PubsubConfig config;

    private Read(PubsubConfig config) {
      this.config = config;
    }

    /** Reads {@code projects/<project>/subscriptions/<name>}. */
    public Read fromSubscription(String subscription) {
      return with(c -> c.withSubscription(subscription));
    }

    /** Reads {@code projects/<project>/topics/<name>} through a subscription this source creates and keeps. */
    public Read fromTopic(String topic) {
      return with(c -> c.withTopic(topic));
    }

    /** Names the source's directory {@code sources/<id>}; distinct per source of a query. Default "0". */
    public Read withSourceId(String sourceId) {
      return with(c -> c.withSourceId(sourceId));
    }

    /** How far the watermark trails the latest ingestion time (Spark's withWatermark delay). */
    public Read withWatermarkDelay(Duration delay) {
      return with(c -> c.withWatermarkDelayMs(delay.getMillis()));
    }

    /** The most messages one pull asks for (Pub/Sub's maxMessages). Default 1000. */
    public Read withMaxMessagesPerPull(int max) {
      return with(c -> c.withMaxMessagesPerPull(max));
    }

    /** The acknowledgement deadline of a subscription this source creates for a topic. Default 60 s. */
    public Read withAckDeadline(Duration deadline) {
      return with(c -> c.withAckDeadlineSeconds((int) deadline.getStandardSeconds()));
    }

    private Read with(UnaryOperator<PubsubConfig> change) {
      return new Read(change.apply(config));
    }

    @Override
    public PCollection<String> expand(PBegin input) {
      checkConfig(config);
      checkExists(input.getPipeline().getOptions());
      return LoggedUnboundedSource.lines(input.apply(org.apache.beam.sdk.io.Read.from(new PubsubLinesSource(config))));
    }

    /**
     * Fails now, naming it, if the subscription or topic does not exist, rather than pulling in
     * vain once the query runs; anything else that keeps the check from an answer (no network here,
     * no credentials) is left for the receiver, which retries and reports it.
     */
    private void checkExists(PipelineOptions options) {
      String name = config.origin();
      try {
        if (!PubsubClients.forOptions(options).exists(name)) {
          throw new IllegalArgumentException("PubsubLinesIO: " + name + " does not exist at "
              + PubsubClients.rootUrl(options) + ". Create it (gcloud pubsub " + (config.topic() != null ? "topics" : "subscriptions")
              + " create ...), or check the project and --pubsubRootUrl.");
        }
      } catch (IOException | IllegalStateException e) {
        LOG.warn("PubsubLinesIO: could not check that {} exists at {}: {}", name, PubsubClients.rootUrl(options),
            e.getMessage() != null ? e.getMessage() : e.toString());
      }
    }
  }

  static void checkConfig(PubsubConfig config) {
    if ((config.subscription() == null) == (config.topic() == null)) {
      throw new IllegalArgumentException("PubsubLinesIO.read() needs exactly one of fromSubscription(...) and fromTopic(...)");
    }
    if (config.subscription() != null && !SUBSCRIPTION.matcher(config.subscription()).matches()) {
      throw new IllegalArgumentException("PubsubLinesIO: '" + config.subscription() + "' is not a subscription name:"
          + " write projects/<project>/subscriptions/<name> (a name of 3 to 255 letters, digits and - _ . ~ + %,"
          + " starting with a letter)");
    }
    if (config.topic() != null && !TOPIC.matcher(config.topic()).matches()) {
      throw new IllegalArgumentException("PubsubLinesIO: '" + config.topic() + "' is not a topic name: write"
          + " projects/<project>/topics/<name> (a name of 3 to 255 letters, digits and - _ . ~ + %, starting with a letter)");
    }
    if (config.sourceId() == null || !config.sourceId().matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("PubsubLinesIO source id '" + config.sourceId()
          + "' must be a non-empty name of letters, digits, '.', '_' or '-' (it names a directory)");
    }
    if (config.maxMessagesPerPull() < 1 || config.watermarkDelayMs() < 0 || config.ackDeadlineSeconds() < 10
        || config.ackDeadlineSeconds() > 600) {
      throw new IllegalArgumentException("PubsubLinesIO: maxMessagesPerPull must be positive, the watermark delay not"
          + " negative, and the ack deadline between 10 and 600 seconds (Pub/Sub's bounds)");
    }
  }
}
