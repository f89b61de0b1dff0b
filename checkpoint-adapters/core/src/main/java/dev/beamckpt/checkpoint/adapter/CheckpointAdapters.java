package dev.beamckpt.checkpoint.adapter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import org.apache.beam.sdk.options.PipelineOptions;

/** Selects the checkpoint adapter for a pipeline's runner. */
public final class CheckpointAdapters {
  private CheckpointAdapters() {}

  /** Every adapter on the class path, in the order ServiceLoader finds them. */
  public static List<CheckpointAdapter> all() {
    List<CheckpointAdapter> all = new ArrayList<>();
    ServiceLoader.load(CheckpointAdapter.class).forEach(all::add);
    return all;
  }

  /** The adapter for the options' runner, if this build has one. */
  public static Optional<CheckpointAdapter> find(PipelineOptions options) {
    return all().stream().filter(a -> a.supports(options.getRunner())).findFirst();
  }

  public static CheckpointAdapter forOptions(PipelineOptions options) {
    return find(options).orElseThrow(() -> new IllegalArgumentException("No checkpoint adapter runs queries on "
        + options.getRunner().getSimpleName() + " (available: "
        + all().stream().map(a -> a.getClass().getSimpleName()).toList()
        + "). Use --runner=DirectRunner or --runner=FlinkRunner."));
  }
}
