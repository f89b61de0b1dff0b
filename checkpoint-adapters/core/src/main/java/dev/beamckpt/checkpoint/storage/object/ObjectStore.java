package dev.beamckpt.checkpoint.storage.object;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * What a checkpoint location needs of an object store (GCS, S3): whole objects with versions
 * (GCS generations, S3 ETags) and writes conditioned on them. One implementation per store, in
 * that store's module; {@link ObjectStorage} builds the location's semantics on top, once for all.
 * Keys are full object names in the bucket. Failures are IOExceptions whose messages name the
 * location and say what to do; a missing object is {@link java.nio.file.NoSuchFileException}.
 */
public interface ObjectStore {

  /** An object's content and the version it had when read. */
  record Versioned(byte[] data, String version) {}

  /** The object, or null if there is none. */
  Versioned get(String key) throws IOException;

  /** An object's size and version, read without its content. */
  record Stat(long size, String version) {}

  /** The object's size and version, or null if there is none. */
  Stat stat(String key) throws IOException;

  /**
   * Creates the object unless one exists (GCS {@code ifGenerationMatch=0}, S3 {@code If-None-Match: *}).
   *
   * @return the new object's version, or null if an object was there
   */
  String createIfAbsent(String key, byte[] data) throws IOException;

  /**
   * Replaces the object if it still has {@code version} (GCS {@code ifGenerationMatch}, S3 {@code If-Match}).
   *
   * @return the new version, or null if the object changed or is gone
   */
  String replaceIfMatch(String key, byte[] data, String version) throws IOException;

  /** Writes the object, whatever was there, in one request: a reader sees the old bytes or the new, whole. */
  void put(String key, byte[] data) throws IOException;

  /**
   * Deletes the object if it still has {@code version} (where the store honours it); an object
   * already gone is no error.
   */
  void deleteIfMatch(String key, String version) throws IOException;

  /**
   * Names directly under {@code prefix} (which ends in '/', or is empty): objects, and the
   * "directories" that prefix others (without their trailing '/'), through every page.
   */
  List<String> list(String prefix) throws IOException;

  /** Reads the object from byte {@code position} on. */
  InputStream openRead(String key, long position) throws IOException;

  /** Fails, naming the bucket and what to do, unless it exists and objects can be created and deleted under {@code prefix}. */
  void checkWritable(String prefix) throws IOException;

  /** {@code scheme://bucket/key}: the object as a person or a runner's filesystem names it. */
  String uri(String key);

  /** See {@link dev.beamckpt.checkpoint.storage.CheckpointStorage#runnerSettings()}. */
  default Map<String, String> runnerSettings() {
    return runnerAddress();
  }

  /** See {@link dev.beamckpt.checkpoint.storage.CheckpointStorage#runnerAddress()}. */
  default Map<String, String> runnerAddress() {
    return Map.of();
  }
}
