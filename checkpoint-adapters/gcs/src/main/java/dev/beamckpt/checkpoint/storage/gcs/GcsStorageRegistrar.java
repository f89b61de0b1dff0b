package dev.beamckpt.checkpoint.storage.gcs;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.StorageRegistrar;
import dev.beamckpt.checkpoint.storage.object.ObjectStorage;
import java.net.URI;
import java.time.Duration;
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
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " is not a valid gs:// URI (" + e.getMessage()
          + "): write it as gs://bucket/path.", e);
    }
    String bucket = parsed.getHost();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " names no bucket: write it as gs://bucket/path.");
    }
    String prefix = parsed.getPath() == null ? "" : parsed.getPath().replaceAll("^/+|/+$", "");
    int leaseSeconds = options == null ? 10 : options.as(CheckpointOptions.class).getLocationLeaseSeconds();
    GcsClients.Client client = GcsClients.forOptions(options, uri);
    GcsObjects objects = new GcsObjects(bucket, client.storage(), new GcsErrors(uri, bucket, client.endpoint()));
    return new ObjectStorage(uri, objects, prefix, Duration.ofSeconds(leaseSeconds));
  }
}
