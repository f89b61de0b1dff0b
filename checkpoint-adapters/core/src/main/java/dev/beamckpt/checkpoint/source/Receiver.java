package dev.beamckpt.checkpoint.source;

import java.io.IOException;
import java.util.Map;

/**
 * What reads a source's input in one JVM and feeds its {@link LogChannel}: a socket client, a
 * queue subscriber. One per source per JVM, shared by every reader the runner creates (see
 * {@link Receivers}); the source supplies only how it reads.
 */
public interface Receiver {

  LogChannel channel();

  /** Starts reading (on a thread of its own). */
  void start();

  /** Stops reading after draining what it can, then closes the channel. Idempotent. */
  void stop() throws IOException;

  /** True once the input ended (the server closed the stream) and every record is in the log. */
  boolean endOfInput();

  /** One line for the query status: "connected to localhost:9999", "reconnecting in 2s ...". */
  String status();

  /** Counters for progress reports, the log's record count among them. */
  Map<String, Long> metrics();
}
