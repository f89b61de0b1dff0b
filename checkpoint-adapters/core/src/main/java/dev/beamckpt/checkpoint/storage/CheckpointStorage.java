package dev.beamckpt.checkpoint.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the files of a checkpoint location are kept (Flink's CheckpointStorage split: where, not
 * how). Paths are relative to the location's root and use '/' separators.
 *
 * <p>Committed files are never overwritten: {@link #createIfAbsent} is the only way to write one,
 * and it is atomic (a reader sees the whole file or none).
 */
public interface CheckpointStorage {

  /** The location as the user wrote it, for messages. */
  String uri();

  /** Reads a whole file; {@link java.nio.file.NoSuchFileException} if it does not exist. */
  byte[] read(String path) throws IOException;

  boolean exists(String path) throws IOException;

  /** Atomically creates {@code path} with {@code data}; returns false if it already exists. */
  boolean createIfAbsent(String path, byte[] data) throws IOException;

  /**
   * Atomically writes {@code path}, replacing what it held: for a pointer that moves forward (how
   * far a receive log is durable), never for a batch file.
   */
  void replace(String path, byte[] data) throws IOException;

  /** File names directly under {@code dir}, sorted; empty if the directory does not exist. */
  List<String> list(String dir) throws IOException;

  void delete(String path) throws IOException;

  /** Fails with a clear message unless files can be created here. */
  void checkWritable() throws IOException;

  /**
   * Takes exclusive ownership of the location for this process, or fails naming the owner.
   *
   * @param owner a one-line description of this process, shown to whoever is refused
   */
  Lease acquireLease(String owner) throws IOException;

  /** A local directory for data a runner or source writes itself (receive logs, Flink state). */
  Path localDirectory(String path) throws IOException;

  /** Exclusive ownership of a location, released on close (or by the OS when the process dies). */
  interface Lease extends AutoCloseable {
    @Override
    void close() throws IOException;
  }
}
