package dev.beamckpt.checkpoint.storage.s3;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/** How an s3:// location is reached: the AWS SDK's defaults unless these say otherwise. */
public interface S3LocationOptions extends PipelineOptions {
  @Description("The S3 endpoint of an s3:// location, for S3-compatible stores and emulators"
      + " (http://127.0.0.1:5000); AWS_ENDPOINT_URL does the same. Without either, AWS's regional endpoint.")
  String getS3Endpoint();

  void setS3Endpoint(String value);

  @Description("The region of an s3:// location's bucket; without it the AWS SDK's default region chain"
      + " (AWS_REGION, ~/.aws/config), else us-east-1.")
  String getS3Region();

  void setS3Region(String value);

  @Description("Address buckets by path (http://endpoint/bucket/key) instead of by host name: what emulators and"
      + " most S3-compatible stores need. On by default whenever an endpoint is given.")
  @Default.Boolean(true)
  boolean getS3PathStyle();

  void setS3PathStyle(boolean value);

  /** Registers the options with Beam, so that `--s3Endpoint` parses and reaches the workers. */
  final class Registrar implements PipelineOptionsRegistrar {
    @Override
    public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
      return List.of(S3LocationOptions.class);
    }
  }
}
