package dev.beamckpt.sdk;

/** A query ended because of an error (Spark's StreamingQueryException). */
public final class StreamingQueryException extends RuntimeException {
  private final String queryName;

  public StreamingQueryException(String queryName, Throwable cause) {
    super("Query '" + queryName + "' terminated with exception: " + cause.getMessage(), cause);
    this.queryName = queryName;
  }

  /** The name of the query that failed. */
  public String queryName() {
    return queryName;
  }
}
