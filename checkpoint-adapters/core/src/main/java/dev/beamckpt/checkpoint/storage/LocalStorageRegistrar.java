package dev.beamckpt.checkpoint.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;

/** Local (or mounted) directories: plain paths and file:// URIs. */
public final class LocalStorageRegistrar implements StorageRegistrar {
  @Override
  public Set<String> schemes() {
    return Set.of(PLAIN_PATH, "file");
  }

  @Override
  public CheckpointStorage open(String uri, PipelineOptions options) {
    return new LocalStorage(uri, uri.startsWith("file:") ? Path.of(URI.create(uri)) : Path.of(uri));
  }
}
