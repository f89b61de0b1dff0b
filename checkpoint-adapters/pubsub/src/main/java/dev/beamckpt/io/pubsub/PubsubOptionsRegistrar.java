package dev.beamckpt.io.pubsub;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/** Registers {@link PubsubSourceOptions}, so {@code --pubsubRootUrl} parses wherever this IO is on the class path. */
public final class PubsubOptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(PubsubSourceOptions.class);
  }
}
