package dev.beamckpt.checkpoint.storage.s3;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.StorageRegistrar;
import dev.beamckpt.checkpoint.storage.object.ObjectStorage;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * {@code s3://bucket/path} locations (also written {@code s3a://}, Hadoop's and Spark's spelling):
 * an {@link ObjectStorage} on a bucket through the AWS SDK v2.
 */
public final class S3StorageRegistrar implements StorageRegistrar {
  @Override
  public Set<String> schemes() {
    return Set.of("s3", "s3a");
  }

  @Override
  public CheckpointStorage open(String uri, PipelineOptions options) {
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " is not a valid s3:// URI (" + e.getMessage()
          + "): write it as s3://bucket/path.", e);
    }
    String bucket = parsed.getHost();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " names no bucket: write it as s3://bucket/path.");
    }
    String prefix = parsed.getPath() == null ? "" : parsed.getPath();
    int leaseSeconds = options == null ? 10 : options.as(CheckpointOptions.class).getLocationLeaseSeconds();
    S3Clients.Client client = S3Clients.forOptions(options);
    S3Objects objects = new S3Objects(bucket, client.s3(), new S3Errors(uri, bucket, client.endpoint()));
    return new ObjectStorage(uri, objects, prefix, Duration.ofSeconds(leaseSeconds));
  }
}
