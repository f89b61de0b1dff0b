package dev.beamckpt.checkpoint.storage.object;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * The messages every object store's failures share: each names the location, the object and
 * what to do. A store's module adds what its service answers (status codes, error names).
 */
public final class ObjectStoreErrors {
  private final String uri;
  private final String scheme;
  private final String bucket;
  private final String endpoint;

  /**
   * @param uri the location as the user wrote it
   * @param scheme the store's scheme for object names ("gs", "s3")
   * @param endpoint where the store is reached, for messages
   */
  public ObjectStoreErrors(String uri, String scheme, String bucket, String endpoint) {
    this.uri = uri;
    this.scheme = scheme;
    this.bucket = bucket;
    this.endpoint = endpoint;
  }

  public String bucket() {
    return bucket;
  }

  /** @param createCommand how to create the bucket with the store's own tool */
  public IOException bucketMissing(String createCommand) {
    return new IOException("Checkpoint location " + uri + ": bucket " + bucket + " does not exist (at " + endpoint
        + "). Create it (" + createCommand + "), or give --checkpointLocation a bucket that exists.");
  }

  /** A failed {@code action} ("create", "read") on {@code key}, with what to do about it. */
  public IOException failure(String action, String key, String advice, Throwable cause) {
    String what = key.isEmpty() ? "the location" : scheme + "://" + bucket + "/" + key;
    return new IOException("Checkpoint location " + uri + ": cannot " + action + " " + what + ": " + advice, cause);
  }

  /**
   * What to do when the endpoint cannot be reached, or null if {@code e} is not that.
   *
   * @param emulatorSettings the options and variables that point at an emulator
   */
  public String unreachable(Throwable e, String emulatorSettings) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof SocketTimeoutException
          || t instanceof NoRouteToHostException) {
        return "the storage endpoint " + endpoint + " cannot be reached (" + rootMessage(e) + "). Check the network, or "
            + emulatorSettings + " if you use an emulator";
      }
    }
    return null;
  }

  /** The innermost cause's message: what the transport said. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }
}
