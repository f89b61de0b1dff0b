package dev.beamckpt.checkpoint.storage.gcs;

import com.google.cloud.storage.StorageException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;

/** Turns what the GCS client throws into messages that name the location and say what to do. */
final class GcsErrors {
  private final String uri;
  private final String bucket;
  private final String endpoint;

  GcsErrors(String uri, String bucket, String endpoint) {
    this.uri = uri;
    this.bucket = bucket;
    this.endpoint = endpoint;
  }

  IOException bucketMissing() {
    return new IOException("Checkpoint location " + uri + ": bucket " + bucket + " does not exist (at " + endpoint
        + "). Create it (gcloud storage buckets create gs://" + bucket + "), or give --checkpointLocation a bucket"
        + " that exists.");
  }

  /** A failed {@code action} ("create", "read") on {@code path}, by what the service answered. */
  IOException failure(String action, String path, StorageException e) {
    String what = "Checkpoint location " + uri + ": cannot " + action + " " + (path.isEmpty() ? "the location"
        : "gs://" + bucket + "/" + path);
    return new IOException(what + ": " + advice(e), e);
  }

  String advice(StorageException e) {
    int code = e.getCode();
    if (code == 401) {
      return "the service refused the credentials (401). Set GOOGLE_APPLICATION_CREDENTIALS to a service account"
          + " key, or run `gcloud auth application-default login`.";
    }
    if (code == 403) {
      return "permission denied (403) to the credentials in use. Grant them roles/storage.objectAdmin on bucket "
          + bucket + ", or use a location they may write.";
    }
    if (code == 404) {
      return "bucket " + bucket + " does not exist (404). Create it, or give --checkpointLocation a bucket that exists.";
    }
    if (unreachable(e)) {
      return "the storage endpoint " + endpoint + " cannot be reached (" + rootMessage(e) + "). Check the network, or"
          + " --gcsEndpoint / STORAGE_EMULATOR_HOST if you use an emulator";
    }
    return rootMessage(e) + (code > 0 ? " (HTTP " + code + ")" : "");
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
