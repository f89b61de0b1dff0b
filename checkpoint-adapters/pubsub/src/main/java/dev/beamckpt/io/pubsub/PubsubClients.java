package dev.beamckpt.io.pubsub;

import com.google.auth.Credentials;
import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.options.PipelineOptions;

/** A {@link PubsubClient} as the options say: where Pub/Sub is, and with which credentials. */
final class PubsubClients {
  private PubsubClients() {}

  /**
   * {@code --pubsubRootUrl}, else {@code $PUBSUB_EMULATOR_HOST}, else Google's. An {@code http://}
   * URL is an emulator and gets no credentials; an {@code https://} one gets Beam's GCP credential.
   */
  static PubsubClient forOptions(PipelineOptions options) {
    String root = rootUrl(options);
    Credentials credentials = null;
    if (!root.startsWith("http://")) {
      credentials = options.as(GcpOptions.class).getGcpCredential();
      if (credentials == null) {
        throw new IllegalStateException("No Google credentials to reach Pub/Sub at " + root + ": run 'gcloud auth"
            + " application-default login' (or set GOOGLE_APPLICATION_CREDENTIALS), or point --pubsubRootUrl at an"
            + " emulator (http://localhost:8085).");
      }
    }
    return new PubsubClient(root, credentials);
  }

  static String rootUrl(PipelineOptions options) {
    String root = options.as(PubsubSourceOptions.class).getPubsubRootUrl();
    String emulator = System.getenv("PUBSUB_EMULATOR_HOST");
    if (PubsubSourceOptions.DEFAULT_ROOT_URL.equals(root) && emulator != null && !emulator.isBlank()) {
      return "http://" + emulator;
    }
    return root;
  }
}
