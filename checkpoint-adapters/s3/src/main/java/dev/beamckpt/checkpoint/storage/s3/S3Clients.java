package dev.beamckpt.checkpoint.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.options.PipelineOptions;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 clients as the AWS SDK configures them: credentials from its default chain (environment,
 * system properties, ~/.aws, container and instance roles), the endpoint from {@code --s3Endpoint}
 * or {@code AWS_ENDPOINT_URL}, path-style addressing for such endpoints. One client per endpoint,
 * region and style in a process: it holds a connection pool.
 */
final class S3Clients {
  static final String ENDPOINT_ENV = "AWS_ENDPOINT_URL";
  private static final Map<String, Client> CLIENTS = new ConcurrentHashMap<>();

  /**
   * @param endpoint where requests go, for messages
   * @param configured the endpoint given by option or environment, or null for AWS's
   */
  record Client(S3Client s3, String endpoint, String configured, String region, boolean pathStyle,
      AwsCredentialsProvider credentials) {}

  private S3Clients() {}

  static Client forOptions(PipelineOptions options) {
    S3LocationOptions s3 = options == null ? null : options.as(S3LocationOptions.class);
    String endpoint = s3 != null && s3.getS3Endpoint() != null ? s3.getS3Endpoint() : System.getenv(ENDPOINT_ENV);
    String region = s3 != null && s3.getS3Region() != null ? s3.getS3Region() : defaultRegion();
    boolean pathStyle = endpoint != null && (s3 == null || s3.getS3PathStyle());
    String key = endpoint + " " + region + " " + pathStyle;
    return CLIENTS.computeIfAbsent(key, k -> build(endpoint, region, pathStyle));
  }

  private static String defaultRegion() {
    try {
      return new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (RuntimeException none) {
      return Region.US_EAST_1.id(); // an endpoint of one's own (an emulator) rarely has a region configured
    }
  }

  /**
   * The SDK's standard strategy gives up after 3 attempts, under a second for a 503 and about two
   * for a 429: a 6 s run of either failed the query (ObjectStoreFaultsTest). Ten attempts backing
   * off to 4 s span at least 12 s, within the call's 30 s; no circuit breaker, as a location has one
   * writer whose calls must not be refused for its own earlier failures.
   */
  private static final RetryStrategy RETRIES = AwsRetryStrategy.standardRetryStrategy().toBuilder()
      .maxAttempts(10)
      .backoffStrategy(BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(250), Duration.ofSeconds(4)))
      .throttlingBackoffStrategy(BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(500), Duration.ofSeconds(4)))
      .circuitBreakerEnabled(false)
      .build();

  private static Client build(String endpoint, String region, boolean pathStyle) {
    // Bounded: a store that stays away fails the call after about half a minute, and the caller
    // (the receive log, the commit path) decides whether to wait longer or to stop the query.
    AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
    var builder = S3Client.builder()
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .forcePathStyle(pathStyle)
        .httpClientBuilder(UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(20)))
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(RETRIES).apiCallTimeout(Duration.ofSeconds(30)).build());
    String url = endpoint == null ? null : endpoint.contains("://") ? endpoint : "http://" + endpoint;
    if (url != null) {
      builder.endpointOverride(URI.create(url));
    }
    return new Client(builder.build(), url != null ? url : "https://s3." + region + ".amazonaws.com", url, region,
        pathStyle, credentials);
  }
}
