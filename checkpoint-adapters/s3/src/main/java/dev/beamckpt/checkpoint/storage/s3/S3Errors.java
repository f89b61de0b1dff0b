package dev.beamckpt.checkpoint.storage.s3;

import dev.beamckpt.checkpoint.storage.object.ObjectStoreErrors;
import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** What S3 answers, as advice: status codes and S3's error names. */
final class S3Errors {
  private final ObjectStoreErrors errors;

  S3Errors(String uri, String bucket, String endpoint) {
    this.errors = new ObjectStoreErrors(uri, "s3", bucket, endpoint);
  }

  IOException bucketMissing() {
    return errors.bucketMissing("aws s3 mb s3://" + errors.bucket());
  }

  /** A failed {@code action} ("create", "read") on {@code key}, by what the service answered. */
  IOException failure(String action, String key, SdkException e) {
    return errors.failure(action, key, advice(e), e);
  }

  private String advice(SdkException e) {
    int code = e instanceof AwsServiceException service ? service.statusCode() : 0;
    String error = e instanceof AwsServiceException service && service.awsErrorDetails() != null
        ? service.awsErrorDetails().errorCode() : null;
    if (code == 403 && ("InvalidAccessKeyId".equals(error) || "SignatureDoesNotMatch".equals(error)
        || "ExpiredToken".equals(error))) {
      return "the service refused the credentials (" + error + "). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
          + " AWS_PROFILE, or run `aws configure`.";
    }
    if (code == 403) {
      return "access denied (403" + (error == null ? "" : " " + error) + ") to the credentials in use. Allow them"
          + " s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on bucket " + errors.bucket() + ".";
    }
    if ("NoSuchBucket".equals(error)) {
      return "bucket " + errors.bucket() + " does not exist. Create it, or give --checkpointLocation a bucket that exists.";
    }
    String unreachable = errors.unreachable(e, "--s3Endpoint / AWS_ENDPOINT_URL");
    if (unreachable != null) {
      return unreachable;
    }
    if (e.getMessage() != null && e.getMessage().contains("Unable to load credentials")) {
      return "no AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run"
          + " `aws configure`.";
    }
    return ObjectStoreErrors.rootMessage(e) + (code > 0 ? " (HTTP " + code + (error == null ? "" : " " + error) + ")" : "");
  }
}
