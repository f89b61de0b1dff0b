package dev.beamckpt.checkpoint.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the files of a checkpoint location are kept (Flink's CheckpointStorage split: where, not
 * how). Paths are relative to the location's root and use '/' separators.
 *
 * <p>Committed files are never overwritten: {@link #createIfAbsent} is the only way to write one,
 * and it is atomic (a reader sees the whole file or none). Receive logs are append-only
 * {@link Segment}s. Nothing here is a local path, so an object store can implement it: every
 * reader (recovery, retention, {@code describe}) goes through this interface.
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

  /**
   * Who owns the location now, without waiting or taking it (for {@code describe}): empty if
   * nobody does. By default by taking the lease and releasing it at once.
   */
  default Optional<String> leaseHolder() throws IOException {
    try (Lease lease = acquireLease("checkpoint describe")) {
      return Optional.empty();
    } catch (LocalStorage.LocationInUseException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** The size of a file in bytes; {@link java.nio.file.NoSuchFileException} if it does not exist. */
  long length(String path) throws IOException;

  /**
   * The bytes of every file under {@code dir} ("" for the whole location): what the checkpoint
   * occupies. The storage does not tell files from directories, so every entry is listed, and a
   * file's size read: callers on an object store ask seldom. A file removed while it is counted (a
   * purge) counts as nothing.
   */
  default long sizeOf(String dir) throws IOException {
    long bytes = 0;
    for (String name : list(dir)) {
      String path = dir.isEmpty() ? name : dir + "/" + name;
      List<String> children = list(path);
      if (!children.isEmpty()) {
        bytes += sizeOf(path);
        continue;
      }
      try {
        bytes += length(path);
      } catch (java.nio.file.NoSuchFileException e) {
        // purged meanwhile
      }
    }
    return bytes;
  }

  /**
   * Reads a file from byte {@code position} on. Bytes a {@link Segment} appends while the stream
   * is open are read too once they are there (a cursor following a live receive log).
   */
  InputStream openRead(String path, long position) throws IOException;

  /**
   * Whether a segment becomes immutable when synced (an object store, where an object is written
   * once): the receive log then starts a new segment after every {@link Segment#sync}, and a
   * segment never synced is lost with its process. False for files, which are appended in place.
   */
  default boolean sealsSegments() {
    return false;
  }

  /** Creates an empty append-only segment; fails if {@code path} exists (segments are never reused). */
  Segment createSegment(String path) throws IOException;

  /**
   * Reopens a segment for appending after its first {@code validLength} bytes, cutting what lies
   * beyond them: the torn tail of a record a dead process was writing.
   */
  Segment appendTo(String path, long validLength) throws IOException;

  /**
   * A URI of {@code path} for a runner that writes there through its own filesystem (Flink's
   * checkpoint storage in {@code state/}): {@code file:///…} here, {@code s3://…} on S3.
   */
  String runnerUri(String path) throws IOException;

  /**
   * What a runner's own filesystem needs to reach {@link #runnerUri}: an endpoint, credentials, as
   * Hadoop's settings name them ({@code fs.s3a.endpoint}), which Flink's and Spark's filesystems
   * read. Empty where the filesystem needs nothing (a local directory). Holds secrets: never log it.
   */
  default Map<String, String> runnerSettings() {
    return Map.of();
  }

  /**
   * The part of {@link #runnerSettings()} that says which store a filesystem reaches (an endpoint,
   * how it is addressed), without credentials: what every process of a runner must share with the
   * query, so that their {@code state/} is this location's. Empty for the provider's own defaults.
   */
  default Map<String, String> runnerAddress() {
    return Map.of();
  }

  /** {@code path} as a person finds it: the location as the user wrote it, then the path. */
  default String nameOf(String path) {
    String root = uri();
    return path.isEmpty() ? root : (root.endsWith("/") ? root : root + "/") + path;
  }

  /**
   * An append-only file of the receive log: records are added at the end and become durable on
   * {@link #sync}. One writer; readers use {@link #openRead}.
   */
  interface Segment extends Closeable {
    /** Bytes written so far. */
    long length();

    /** Appends all of {@code data} or, if the write fails (a full disk), nothing: the file is cut back. */
    void append(ByteBuffer data) throws IOException;

    /** Forces appended bytes to stable storage. */
    void sync() throws IOException;

    @Override
    void close() throws IOException;
  }

  /** Exclusive ownership of a location, released on close (or by the OS when the process dies). */
  interface Lease extends AutoCloseable {
    @Override
    void close() throws IOException;
  }
}
