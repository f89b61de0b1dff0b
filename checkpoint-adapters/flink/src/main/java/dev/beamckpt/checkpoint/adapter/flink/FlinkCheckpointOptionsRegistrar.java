package dev.beamckpt.checkpoint.adapter.flink;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/** Makes the Flink adapter's options ({@code --retainedCheckpoints}, ...) known wherever the Flink adapter is. */
public final class FlinkCheckpointOptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(FlinkCheckpointOptions.class);
  }
}
