package dev.beamckpt.checkpoint.storage.gcs;

import java.util.List;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Hidden;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/**
 * Beam's {@code --gcsEndpoint} is {@code @JsonIgnore} (Beam 2.62): it never reaches a runner's
 * workers, whose sources and commit steps open the location too. The storage copies it here,
 * where it travels with the pipeline's options.
 */
public interface GcsLocationOptions extends PipelineOptions {
  @Hidden
  @Description("Set from --gcsEndpoint when a gs:// location is opened: the endpoint the runner's workers use.")
  String getGcsLocationEndpoint();

  void setGcsLocationEndpoint(String value);

  /** Registers the options with Beam, so that workers deserialize them. */
  final class Registrar implements PipelineOptionsRegistrar {
    @Override
    public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
      return List.of(GcsLocationOptions.class);
    }
  }
}
