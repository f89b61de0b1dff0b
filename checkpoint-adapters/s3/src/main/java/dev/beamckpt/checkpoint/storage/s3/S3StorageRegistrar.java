package dev.beamckpt.checkpoint.storage.s3;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.StorageRegistrar;
import dev.beamckpt.checkpoint.storage.object.ObjectStorage;
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
    return ObjectStorage.open(uri, "s3", options, bucket -> {
      S3Clients.Client client = S3Clients.forOptions(options);
      return new S3Objects(bucket, client, new S3Errors(uri, bucket, client.endpoint()));
    });
  }
}
