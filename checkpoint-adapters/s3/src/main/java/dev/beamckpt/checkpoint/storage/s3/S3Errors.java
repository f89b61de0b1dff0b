package dev.beamckpt.checkpoint.storage.s3;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Turns what the AWS SDK throws into messages that name the location and say what to do. */
final class S3Errors {
  private final String uri;
  private final String bucket;
  private final String endpoint;

  S3Errors(String uri, String bucket, String endpoint) {
    this.uri = uri;
    this.bucket = bucket;
    this.endpoint = endpoint;
  }

  IOException bucketMissing() {
    return new IOException("Checkpoint location " + uri + ": bucket " + bucket + " does not exist (at " + endpoint
        + "). Create it (aws s3 mb s3://" + bucket + "), or give --checkpointLocation a bucket that exists.");
  }

  /** A failed {@code action} ("create", "read") on {@code key}, by what the service answered. */
  IOException failure(String action, String key, SdkException e) {
    return new IOException("Checkpoint location " + uri + ": cannot " + action + " s3://" + bucket + "/" + key + ": "
        + advice(e), e);
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
          + " s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket on bucket " + bucket + ".";
    }
    if ("NoSuchBucket".equals(error)) {
      return "bucket " + bucket + " does not exist. Create it, or give --checkpointLocation a bucket that exists.";
    }
    if (unreachable(e)) {
      return "the storage endpoint " + endpoint + " cannot be reached (" + rootMessage(e) + "). Check the network, or"
          + " --s3Endpoint / AWS_ENDPOINT_URL if you use an emulator";
    }
    if (e.getMessage() != null && e.getMessage().contains("Unable to load credentials")) {
      return "no AWS credentials found. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run"
          + " `aws configure`.";
    }
    return rootMessage(e) + (code > 0 ? " (HTTP " + code + (error == null ? "" : " " + error) + ")" : "");
  }

  static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException
          || t instanceof java.net.SocketTimeoutException || t instanceof java.net.NoRouteToHostException) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }
}
