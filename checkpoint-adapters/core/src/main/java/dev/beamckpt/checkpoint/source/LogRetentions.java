package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.apache.beam.sdk.options.PipelineOptions;

/** Resolves {@code --receiveLogRetention} to a retention, among the registered providers. */
public final class LogRetentions {
  /** Keep every record: the DirectRunner rebuilds state by replaying the whole log. */
  public static final String KEEP_ALL = "keep-all";

  private LogRetentions() {}

  public static LogRetention forOptions(PipelineOptions options, CheckpointStorage location, String sourceId)
      throws IOException {
    String name = options.as(CheckpointOptions.class).getReceiveLogRetention();
    if (name == null || name.equals(KEEP_ALL)) {
      return LogRetention.keepAll();
    }
    List<String> known = new ArrayList<>(List.of(KEEP_ALL));
    for (LogRetentionProvider provider : ServiceLoader.load(LogRetentionProvider.class)) {
      if (provider.name().equals(name)) {
        return provider.create(location, sourceId);
      }
      known.add(provider.name());
    }
    throw new IllegalArgumentException("--receiveLogRetention=" + name + " is not a registered receive log retention"
        + " (known here: " + known + "): the adapter that set it is missing from this JVM's class path.");
  }
}
