package dev.beamckpt.checkpoint.source;

import java.io.IOException;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * A source that cannot replay by itself and therefore keeps a durable receive log under the
 * location's {@code sources/<id>/}: a batch is a range of that log, so adapters can replay it.
 * Implemented by Beam {@code UnboundedSource}s (SocketIO's).
 */
public interface LoggedSource {

  /** The id naming this source's directory under {@code sources/}; unique within a query. */
  String sourceId();

  /** What this source is, for progress and {@code describe}: e.g. "socket localhost:9999". */
  String description();

  /** What the fingerprint records: kind and id, not the address, which may change between runs. */
  String fingerprintName();

  /**
   * The receiver of this source in this JVM, started on first use and shared by every reader the
   * runner creates; the caller releases it with {@link SourceChannel#close()}.
   */
  SourceChannel open(PipelineOptions options) throws IOException;
}
