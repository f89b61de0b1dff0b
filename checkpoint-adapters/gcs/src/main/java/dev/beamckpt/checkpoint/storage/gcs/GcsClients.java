package dev.beamckpt.checkpoint.storage.gcs;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.Credentials;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * GCS clients as Google's libraries and Beam configure them: the endpoint from Beam's
 * {@code --gcsEndpoint}, else {@code STORAGE_EMULATOR_HOST} (which Google's Go and Python clients
 * honour: an emulator, no credentials), else Google's; credentials from Application Default
 * Credentials ({@code GOOGLE_APPLICATION_CREDENTIALS}, {@code gcloud auth application-default
 * login}, the metadata server). One client per endpoint and process: it holds a connection pool.
 */
final class GcsClients {
  static final String DEFAULT_ENDPOINT = "https://storage.googleapis.com";
  static final String EMULATOR_ENV = "STORAGE_EMULATOR_HOST";
  private static final Map<String, Client> CLIENTS = new ConcurrentHashMap<>();

  /** {@code anonymous}: no credentials (an emulator), so the runner's filesystem must send none either. */
  record Client(Storage storage, String endpoint, boolean anonymous) {}

  private GcsClients() {}

  static Client forOptions(PipelineOptions options, String uri) {
    String configured = null;
    if (options != null) {
      GcsLocationOptions carried = options.as(GcsLocationOptions.class);
      configured = options.as(GcsOptions.class).getGcsEndpoint();
      if (configured != null) {
        carried.setGcsLocationEndpoint(configured); // for the workers, which do not get --gcsEndpoint
      } else {
        configured = carried.getGcsLocationEndpoint();
      }
    }
    String emulator = System.getenv(EMULATOR_ENV);
    String endpoint;
    boolean isEmulator = false;
    if (configured != null && !configured.isBlank()) {
      endpoint = host(configured);
    } else if (emulator != null && !emulator.isBlank()) {
      endpoint = host(emulator);
      isEmulator = true;
    } else {
      endpoint = DEFAULT_ENDPOINT;
    }
    boolean anonymous = isEmulator;
    Client client = CLIENTS.get(endpoint + anonymous);
    return client != null ? client : CLIENTS.computeIfAbsent(endpoint + anonymous, k -> build(endpoint, anonymous, uri));
  }

  /**
   * "http://host:port" from what users write: Beam's {@code --gcsEndpoint} ends in
   * {@code /storage/v1/}, the emulator variable is often a bare {@code host:port}.
   */
  static String host(String endpoint) {
    String host = endpoint.strip().replaceAll("/+$", "").replaceAll("/storage/v1$", "");
    return host.contains("://") ? host : "http://" + host;
  }

  private static Client build(String endpoint, boolean anonymous, String uri) {
    Credentials credentials = NoCredentials.getInstance();
    if (!anonymous) {
      try {
        credentials = GoogleCredentials.getApplicationDefault();
      } catch (IOException e) {
        if (!endpoint.equals(DEFAULT_ENDPOINT)) {
          return build(endpoint, true, uri); // --gcsEndpoint of an emulator or a proxy that needs none
        }
        throw new IllegalArgumentException("Checkpoint location " + uri + ": no Google credentials found (" + e.getMessage()
            + "). Set GOOGLE_APPLICATION_CREDENTIALS to a service account key, or run `gcloud auth application-default"
            + " login`; for an emulator set STORAGE_EMULATOR_HOST=host:port or --gcsEndpoint.", e);
      }
    }
    // Bounded by time, not attempts: a storage that stays away fails the call after about half a
    // minute, and the caller (the receive log, the commit path) decides whether to wait longer or to
    // stop the query. Six attempts with jittered backoff gave up on a 6 s run of 503s
    // (ObjectStoreFaultsTest).
    RetrySettings retries = StorageOptions.getDefaultRetrySettings().toBuilder()
        .setMaxAttempts(0)
        .setInitialRetryDelayDuration(Duration.ofMillis(250))
        .setRetryDelayMultiplier(2.0)
        .setMaxRetryDelayDuration(Duration.ofSeconds(4))
        .setTotalTimeoutDuration(Duration.ofSeconds(30))
        .build();
    StorageOptions.Builder builder = StorageOptions.newBuilder()
        .setHost(endpoint)
        .setCredentials(credentials)
        .setRetrySettings(retries)
        .setTransportOptions(HttpTransportOptions.newBuilder().setConnectTimeout(5_000).setReadTimeout(20_000).build());
    if (credentials instanceof NoCredentials) {
      builder.setProjectId("checkpoint-location"); // objects need no project; the builder wants one without ADC
    }
    return new Client(builder.build().getService(), endpoint, credentials instanceof NoCredentials);
  }
}
