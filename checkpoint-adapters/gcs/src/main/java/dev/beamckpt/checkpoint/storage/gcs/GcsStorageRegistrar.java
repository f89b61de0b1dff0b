package dev.beamckpt.checkpoint.storage.gcs;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.StorageRegistrar;
import dev.beamckpt.checkpoint.storage.object.ObjectStorage;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;

/** {@code gs://bucket/path} locations: an {@link ObjectStorage} on a bucket through the google-cloud-storage client. */
public final class GcsStorageRegistrar implements StorageRegistrar {
  @Override
  public Set<String> schemes() {
    return Set.of("gs");
  }

  @Override
  public CheckpointStorage open(String uri, PipelineOptions options) {
    return ObjectStorage.open(uri, "gs", options, bucket -> {
      GcsClients.Client client = GcsClients.forOptions(options, uri);
      return new GcsObjects(bucket, client, new GcsErrors(uri, bucket, client.endpoint()));
    });
  }
}
