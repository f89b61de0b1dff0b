package dev.beamckpt.io.pubsub;

import org.apache.beam.sdk.extensions.gcp.options.GcpOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Where Pub/Sub is: the same option, with the same default, as Beam's {@code PubsubOptions}, so a
 * user passes the flag they know and both can be registered together (on Dataflow).
 */
public interface PubsubSourceOptions extends GcpOptions {
  String DEFAULT_ROOT_URL = "https://pubsub.googleapis.com";

  @Description("Root URL for use with the Google Cloud Pub/Sub API. An emulator: http://localhost:8085; without"
      + " this option, $PUBSUB_EMULATOR_HOST is used when set.")
  @Default.String(DEFAULT_ROOT_URL)
  String getPubsubRootUrl();

  void setPubsubRootUrl(String value);
}
