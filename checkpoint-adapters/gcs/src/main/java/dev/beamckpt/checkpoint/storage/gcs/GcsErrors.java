package dev.beamckpt.checkpoint.storage.gcs;

import com.google.cloud.storage.StorageException;
import dev.beamckpt.checkpoint.storage.object.ObjectStoreErrors;
import java.io.IOException;

/** What GCS answers, as advice: the status codes of its JSON API. */
final class GcsErrors {
  private final ObjectStoreErrors errors;

  GcsErrors(String uri, String bucket, String endpoint) {
    this.errors = new ObjectStoreErrors(uri, "gs", bucket, endpoint);
  }

  IOException bucketMissing() {
    return errors.bucketMissing("gcloud storage buckets create gs://" + errors.bucket());
  }

  /** A failed {@code action} ("create", "read") on {@code key}, by what the service answered. */
  IOException failure(String action, String key, StorageException e) {
    return errors.failure(action, key, advice(e), e);
  }

  private String advice(StorageException e) {
    int code = e.getCode();
    if (code == 401) {
      return "the service refused the credentials (401). Set GOOGLE_APPLICATION_CREDENTIALS to a service account"
          + " key, or run `gcloud auth application-default login`.";
    }
    if (code == 403) {
      return "permission denied (403) to the credentials in use. Grant them roles/storage.objectAdmin on bucket "
          + errors.bucket() + ", or use a location they may write.";
    }
    if (code == 404) {
      return "bucket " + errors.bucket() + " does not exist (404). Create it, or give --checkpointLocation a bucket"
          + " that exists.";
    }
    String unreachable = errors.unreachable(e, "--gcsEndpoint / STORAGE_EMULATOR_HOST");
    if (unreachable != null) {
      return unreachable;
    }
    return ObjectStoreErrors.rootMessage(e) + (code > 0 ? " (HTTP " + code + ")" : "");
  }
}
