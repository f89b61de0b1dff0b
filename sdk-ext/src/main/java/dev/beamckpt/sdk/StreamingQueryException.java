package dev.beamckpt.sdk;

/** A query ended because of an error (Spark's StreamingQueryException). */
public final class StreamingQueryException extends RuntimeException {
  public StreamingQueryException(String queryName, Throwable cause) {
    super("Query '" + queryName + "' terminated with exception: " + cause.getMessage(), cause);
  }
}
