package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;

/**
 * A way of keeping a receive log that a runner adapter offers (found with {@link
 * java.util.ServiceLoader}), chosen by name through {@code --receiveLogRetention}, which the adapter
 * sets: sources create their retention in whatever JVM reads them, knowing no runner.
 */
public interface LogRetentionProvider {

  /** The name the adapter puts in the options. */
  String name();

  /** The retention of source {@code sourceId}'s log in {@code location}. */
  LogRetention create(CheckpointStorage location, String sourceId) throws IOException;
}
