package dev.beamckpt.checkpoint.storage.object;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * A checkpoint location under a prefix of an object store's bucket: every file an object. The
 * store ({@link ObjectStore}) varies; what a location makes of it does not:
 *
 * <ul>
 *   <li>Files are created if absent: the object exists whole or not at all, and of two writers
 *       exactly one succeeds. A create whose reply was lost and that the client retried finds its
 *       own bytes there and counts as written.
 *   <li>Receive-log segments are sealed, immutable objects ({@link #sealsSegments()}): appended
 *       bytes stay in this process's memory (where readers of the same log see them at once)
 *       until {@link Segment#sync} uploads the segment once; the log then continues in a new one.
 *   <li>Ownership is an {@link ObjectLease}: an object renewed under version preconditions. Once
 *       this storage's lease is lost, every write through it fails naming the new holder.
 * </ul>
 */
public final class ObjectStorage implements CheckpointStorage {
  static final String LEASE = ".lease";

  private final String uri;
  private final ObjectStore store;
  /** The location's prefix in the bucket, without a trailing '/'; empty for a whole bucket. */
  private final String prefix;
  private final Duration leaseTimeout;
  /** Segments written by this process and not yet replaced by a newer one: readers of the log read them here. */
  private final Map<String, MemorySegment> segments = new ConcurrentHashMap<>();
  private volatile ObjectLease lease;

  /**
   * @param uri the location as the user wrote it
   * @param prefix the location's key prefix in the bucket
   * @param leaseTimeout how long the lease lasts unrenewed
   */
  public ObjectStorage(String uri, ObjectStore store, String prefix, Duration leaseTimeout) {
    this.uri = uri;
    this.store = store;
    this.prefix = prefix.replaceAll("^/+|/+$", "");
    this.leaseTimeout = leaseTimeout;
  }

  /**
   * The storage of {@code uri} ({@code scheme://bucket/path}), on the store {@code storeForBucket}
   * gives for its bucket, with the lease timeout of {@code options} (null: the default).
   */
  public static ObjectStorage open(String uri, String scheme, PipelineOptions options,
      Function<String, ObjectStore> storeForBucket) {
    URI parsed;
    try {
      parsed = URI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " is not a valid " + scheme + ":// URI ("
          + e.getMessage() + "): write it as " + scheme + "://bucket/path.", e);
    }
    String bucket = parsed.getHost();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("Checkpoint location " + uri + " names no bucket: write it as " + scheme
          + "://bucket/path.");
    }
    CheckpointOptions checkpoint = (options != null ? options : PipelineOptionsFactory.create()).as(CheckpointOptions.class);
    return new ObjectStorage(uri, storeForBucket.apply(bucket), parsed.getPath() == null ? "" : parsed.getPath(),
        Duration.ofSeconds(checkpoint.getLocationLeaseSeconds()));
  }

  @Override
  public String uri() {
    return uri;
  }

  String key(String path) {
    if (path.isEmpty()) {
      return prefix;
    }
    return prefix.isEmpty() ? path : prefix + "/" + path;
  }

  ObjectStore store() {
    return store;
  }

  @Override
  public byte[] read(String path) throws IOException {
    MemorySegment open = segments.get(path);
    if (open != null && open.sealed()) {
      return open.bytes();
    }
    ObjectStore.Versioned object = store.get(key(path));
    if (object == null) {
      throw new NoSuchFileException(nameOf(path));
    }
    return object.data();
  }

  @Override
  public boolean exists(String path) throws IOException {
    return store.stat(key(path)) != null;
  }

  @Override
  public boolean createIfAbsent(String path, byte[] data) throws IOException {
    checkLease();
    if (store.createIfAbsent(key(path), data) != null) {
      return true;
    }
    // The object exists: another writer's, or ours if the client retried a create whose reply was lost.
    ObjectStore.Versioned there = store.get(key(path));
    return there != null && Arrays.equals(there.data(), data);
  }

  @Override
  public void replace(String path, byte[] data) throws IOException {
    checkLease();
    store.put(key(path), data);
  }

  /** Names directly under {@code dir}; hidden names (the lease, probes) are left out, as local dot files are. */
  @Override
  public List<String> list(String dir) throws IOException {
    String base = key(dir);
    List<String> names = new ArrayList<>();
    for (String name : store.list(base.isEmpty() ? "" : base + "/")) {
      if (!name.isEmpty() && !name.startsWith(".")) {
        names.add(name);
      }
    }
    names.sort(null);
    return names;
  }

  /**
   * Deletes the version it finds, with that version as a precondition: a file recreated meanwhile
   * (a new batch of the same id after a purge) is never removed by an old decision.
   */
  @Override
  public void delete(String path) throws IOException {
    checkLease();
    segments.remove(path);
    ObjectStore.Stat there = store.stat(key(path));
    if (there != null) {
      store.deleteIfMatch(key(path), there.version());
    }
  }

  @Override
  public void checkWritable() throws IOException {
    store.checkWritable(prefix.isEmpty() ? "" : prefix + "/");
  }

  @Override
  public Lease acquireLease(String owner) throws IOException {
    ObjectLease acquired = ObjectLease.acquire(this, owner, leaseTimeout);
    lease = acquired;
    return acquired;
  }

  @Override
  public Optional<String> leaseHolder() throws IOException {
    return ObjectLease.describeHolder(this);
  }

  /** Fails a write once this storage's lease is lost: another query owns the location now. */
  private void checkLease() throws IOException {
    ObjectLease held = lease;
    if (held != null) {
      held.check();
    }
  }

  @Override
  public long length(String path) throws IOException {
    MemorySegment open = segments.get(path);
    if (open != null) {
      return open.length();
    }
    ObjectStore.Stat stat = store.stat(key(path));
    if (stat == null) {
      throw new NoSuchFileException(nameOf(path));
    }
    return stat.size();
  }

  @Override
  public InputStream openRead(String path, long position) throws IOException {
    MemorySegment open = segments.get(path);
    return open != null ? open.openRead(position) : store.openRead(key(path), position);
  }

  @Override
  public boolean sealsSegments() {
    return true;
  }

  /**
   * A new segment, in memory until sealed. Only this process's own segments are checked here (no
   * request): a segment another writer created is refused when this one is sealed, if absent.
   */
  @Override
  public Segment createSegment(String path) throws IOException {
    if (segments.containsKey(path)) {
      throw new FileAlreadyExistsException(nameOf(path));
    }
    MemorySegment segment = new MemorySegment(path);
    segments.put(path, segment);
    return segment;
  }

  /** Sealed segments are immutable: a log on an object store starts a new segment instead. */
  @Override
  public Segment appendTo(String path, long validLength) {
    throw new UnsupportedOperationException("Segments on " + uri + " are sealed objects: they are never appended to");
  }

  @Override
  public String runnerUri(String path) {
    return store.uri(key(path));
  }

  @Override
  public String nameOf(String path) {
    return store.uri(key(path));
  }

  @Override
  public Map<String, String> runnerSettings() {
    return store.runnerSettings();
  }

  @Override
  public Map<String, String> runnerAddress() {
    return store.runnerAddress();
  }

  /**
   * A segment being written: its bytes in memory until {@link #sync} uploads them as one object,
   * created if absent. After that it takes no more appends; it stays readable from memory until the
   * log's next segment is sealed, then readers fetch it from the store.
   */
  private final class MemorySegment implements Segment {
    private final String path;
    private byte[] bytes = new byte[4096];
    private int length;
    private boolean sealed;

    MemorySegment(String path) {
      this.path = path;
    }

    @Override
    public synchronized long length() {
      return length;
    }

    synchronized boolean sealed() {
      return sealed;
    }

    synchronized byte[] bytes() {
      return Arrays.copyOf(bytes, length);
    }

    @Override
    public synchronized void append(ByteBuffer data) throws IOException {
      if (sealed) {
        throw new IOException("Receive log segment " + nameOf(path) + " is sealed: appends go to a new segment");
      }
      int n = data.remaining();
      if (length + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(length + n, bytes.length * 2));
      }
      data.get(bytes, length, n);
      length += n;
    }

    /** Uploads the segment once; a second sync is a no-op. */
    @Override
    public void sync() throws IOException {
      byte[] content;
      synchronized (this) {
        if (sealed) {
          return;
        }
        content = Arrays.copyOf(bytes, length);
      }
      if (!createIfAbsent(path, content)) {
        throw new FileAlreadyExistsException(nameOf(path), null, "another writer created this receive log segment:"
            + " two queries are writing the same location");
      }
      synchronized (this) {
        sealed = true;
      }
      // Readers keep the newest sealed segment in memory; older ones are read from the store.
      segments.entrySet().removeIf(e -> e.getValue() != this && e.getValue().sealed());
    }

    /** Drops unsealed bytes: as if the process had died. The log seals before closing when it stops. */
    @Override
    public void close() {
      synchronized (this) {
        if (sealed) {
          return;
        }
      }
      segments.remove(path, this);
    }

    /** Reads what is appended so far; bytes appended later are read by a later call. */
    InputStream openRead(long position) {
      return new InputStream() {
        private long pos = position;

        @Override
        public int read() {
          byte[] one = new byte[1];
          return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          synchronized (MemorySegment.this) {
            if (pos >= length) {
              return -1;
            }
            int n = (int) Math.min(len, length - pos);
            System.arraycopy(bytes, (int) pos, b, off, n);
            pos += n;
            return n;
          }
        }
      };
    }

    @Override
    public String toString() {
      return nameOf(path);
    }
  }
}
