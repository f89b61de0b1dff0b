package dev.beamckpt.checkpoint.storage;

import java.util.Set;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Offers a {@link CheckpointStorage} for some URI schemes, found with {@link java.util.ServiceLoader}
 * (as Beam's FileSystemRegistrar and Spark's CheckpointFileManager): a store for another scheme
 * (gs, s3) is a module that registers one of these, and nothing else changes.
 */
public interface StorageRegistrar {

  /** The schemes this storage serves, without "://" ("file"); {@link #PLAIN_PATH} for a path with no scheme. */
  Set<String> schemes();

  /**
   * The storage of the location {@code uri}, one of this registrar's schemes.
   *
   * @param options the query's options (an endpoint, credentials, a lease timeout), or null where
   *     there are none (a tool): the environment's defaults then apply
   */
  CheckpointStorage open(String uri, PipelineOptions options);

  /** The scheme of a location given as a plain path ("/tmp/ckpt", "ckpt"). */
  String PLAIN_PATH = "";
}
