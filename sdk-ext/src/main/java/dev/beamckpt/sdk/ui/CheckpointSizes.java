package dev.beamckpt.sdk.ui;

import dev.beamckpt.sdk.StreamingQuery;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each query's checkpoint occupies, measured at most every {@link #MAX_AGE_MS}: a page polled
 * every second and a Prometheus scrape must not list an object store's bucket each time.
 */
final class CheckpointSizes {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointSizes.class);
  static final long MAX_AGE_MS = 10_000;

  private record Measured(long bytes, long atMs) {}

  private final Map<String, Measured> byRunId = new ConcurrentHashMap<>();

  /** The bytes under the query's location, -1 if it has none or they cannot be listed. */
  long of(StreamingQuery query) {
    if (query.checkpointLocation() == null) {
      return -1;
    }
    long now = System.currentTimeMillis();
    Measured m = byRunId.get(query.runId());
    if (m == null || now - m.atMs() > MAX_AGE_MS) {
      long bytes;
      try {
        bytes = query.checkpointBytes();
      } catch (IOException | RuntimeException e) {
        LOG.debug("Measuring {}: {}", query.checkpointLocation(), e.getMessage());
        bytes = m != null ? m.bytes() : -1;
      }
      m = new Measured(bytes, now);
      byRunId.put(query.runId(), m);
    }
    return m.bytes();
  }
}
