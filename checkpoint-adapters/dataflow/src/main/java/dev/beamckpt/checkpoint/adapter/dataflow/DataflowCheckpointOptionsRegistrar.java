package dev.beamckpt.checkpoint.adapter.dataflow;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/** Registers {@link DataflowCheckpointOptions}, so {@code --stopMode} parses where this adapter is on the class path. */
public final class DataflowCheckpointOptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(DataflowCheckpointOptions.class);
  }
}
