package dev.beamckpt.runners;

import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.StreamingOptions;

/**
 * Runner settings a streaming query needs, applied before the pipeline is built, so that the
 * word count runs the same on every runner without flags beyond {@code --runner}.
 */
public final class RunnerPresets {
  private RunnerPresets() {}

  public static void applyStreaming(PipelineOptions options) {
    options.as(StreamingOptions.class).setStreaming(true);
    if (DirectRunner.class.isAssignableFrom(options.getRunner())) {
      DirectOptions direct = options.as(DirectOptions.class);
      // The query's driver thread runs the pipeline; run() must return.
      direct.setBlockOnRun(false);
    }
  }
}
