package dev.beamckpt.checkpoint.storage.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A checkpoint location in a Google Cloud Storage bucket, {@code gs://bucket/prefix}: every file an
 * object under the prefix.
 *
 * <ul>
 *   <li>Files are created with {@code ifGenerationMatch=0}: the object exists whole or not at all,
 *       and of two writers exactly one succeeds. A write whose reply was lost and that the client
 *       retried finds its own bytes there and counts as written.
 *   <li>Receive-log segments are sealed, immutable objects ({@link #sealsSegments()}): appended
 *       bytes stay in this process's memory (where readers of the same log see them at once)
 *       until {@link Segment#sync} uploads the segment once; the log then continues in a new one.
 *   <li>Ownership is a {@link GcsLease}: an object renewed with generation preconditions. Once this
 *       storage's lease is lost, every write through it fails naming the new holder.
 * </ul>
 */
public final class GcsStorage implements CheckpointStorage {
  static final String LEASE = ".lease";

  private final String uri;
  private final String bucket;
  /** The location's prefix in the bucket, without a trailing '/'; empty for a whole bucket. */
  private final String prefix;
  private final Storage client;
  private final Duration leaseTimeout;
  private final GcsErrors errors;
  /** Segments written by this process and not yet replaced by a newer one: readers of the log read them here. */
  private final Map<String, MemorySegment> segments = new ConcurrentHashMap<>();
  private volatile GcsLease lease;

  GcsStorage(String uri, String bucket, String prefix, Storage client, Duration leaseTimeout, String endpoint) {
    this.uri = uri;
    this.bucket = bucket;
    this.prefix = prefix;
    this.client = client;
    this.leaseTimeout = leaseTimeout;
    this.errors = new GcsErrors(uri, bucket, endpoint);
  }

  @Override
  public String uri() {
    return uri;
  }

  String objectName(String path) {
    if (path.isEmpty()) {
      return prefix;
    }
    return prefix.isEmpty() ? path : prefix + "/" + path;
  }

  BlobId blobId(String path) {
    return BlobId.of(bucket, objectName(path));
  }

  Storage client() {
    return client;
  }

  GcsErrors errors() {
    return errors;
  }

  @Override
  public byte[] read(String path) throws IOException {
    MemorySegment open = segments.get(path);
    if (open != null && open.sealed()) {
      return open.bytes(0);
    }
    try {
      return client.readAllBytes(blobId(path));
    } catch (StorageException e) {
      if (e.getCode() == 404) {
        throw new NoSuchFileException(nameOf(path));
      }
      throw errors.failure("read", path, e);
    }
  }

  @Override
  public boolean exists(String path) throws IOException {
    return blob(path) != null;
  }

  private Blob blob(String path) throws IOException {
    try {
      return client.get(blobId(path));
    } catch (StorageException e) {
      throw errors.failure("read", path, e);
    }
  }

  @Override
  public boolean createIfAbsent(String path, byte[] data) throws IOException {
    checkLease();
    try {
      client.create(BlobInfo.newBuilder(blobId(path)).build(), data, Storage.BlobTargetOption.doesNotExist());
      return true;
    } catch (StorageException e) {
      if (e.getCode() != 412) {
        throw errors.failure("create", path, e);
      }
    }
    // The object exists: another writer's, or ours if the client retried a create whose reply was lost.
    try {
      return Arrays.equals(client.readAllBytes(blobId(path)), data);
    } catch (StorageException e) {
      throw errors.failure("read", path, e);
    }
  }

  @Override
  public void replace(String path, byte[] data) throws IOException {
    checkLease();
    try {
      client.create(BlobInfo.newBuilder(blobId(path)).build(), data); // one request: readers see old or new, whole
    } catch (StorageException e) {
      throw errors.failure("write", path, e);
    }
  }

  /**
   * Names directly under {@code dir}: objects and the "directories" that prefix others, through
   * every page of the listing. Hidden names (the lease, probes) are left out, as local dot files are.
   */
  @Override
  public List<String> list(String dir) throws IOException {
    String base = objectName(dir);
    String listPrefix = base.isEmpty() ? "" : base + "/";
    List<String> names = new ArrayList<>();
    try {
      Page<Blob> page = client.list(bucket, Storage.BlobListOption.prefix(listPrefix),
          Storage.BlobListOption.currentDirectory(), Storage.BlobListOption.pageSize(1000));
      for (Blob blob : page.iterateAll()) {
        String name = blob.getName().substring(listPrefix.length());
        if (name.endsWith("/")) {
          name = name.substring(0, name.length() - 1);
        }
        if (!name.isEmpty() && !name.startsWith(".")) {
          names.add(name);
        }
      }
    } catch (StorageException e) {
      throw errors.failure("list", dir, e);
    }
    names.sort(null);
    return names;
  }

  /**
   * Deletes the generation it finds, with that generation as a precondition: a file recreated
   * meanwhile (a new batch of the same id after a purge) is never removed by an old decision.
   */
  @Override
  public void delete(String path) throws IOException {
    checkLease();
    segments.remove(path);
    Blob blob = blob(path);
    if (blob == null) {
      return;
    }
    try {
      client.delete(blob.getBlobId(), Storage.BlobSourceOption.generationMatch(blob.getGeneration()));
    } catch (StorageException e) {
      if (e.getCode() != 404 && e.getCode() != 412) {
        throw errors.failure("delete", path, e);
      }
    }
  }

  /** The bucket exists, and this process may create and delete objects under the prefix. */
  @Override
  public void checkWritable() throws IOException {
    try {
      if (client.get(bucket) == null) {
        throw errors.bucketMissing();
      }
      BlobId probe = blobId(".probe-" + UUID.randomUUID());
      client.create(BlobInfo.newBuilder(probe).build(), new byte[0], Storage.BlobTargetOption.doesNotExist());
      client.delete(probe);
    } catch (StorageException e) {
      throw errors.failure("create", ".probe", e);
    }
  }

  @Override
  public Lease acquireLease(String owner) throws IOException {
    GcsLease acquired = GcsLease.acquire(this, owner, leaseTimeout);
    lease = acquired;
    return acquired;
  }

  @Override
  public Optional<String> leaseHolder() throws IOException {
    return GcsLease.describeHolder(this);
  }

  /** Fails a write once this storage's lease is lost: another query owns the location now. */
  private void checkLease() throws IOException {
    GcsLease held = lease;
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
    Blob blob = blob(path);
    if (blob == null) {
      throw new NoSuchFileException(nameOf(path));
    }
    return blob.getSize();
  }

  @Override
  public InputStream openRead(String path, long position) throws IOException {
    MemorySegment open = segments.get(path);
    if (open != null) {
      return open.openRead(position);
    }
    try {
      ReadChannel channel = client.reader(blobId(path));
      channel.setChunkSize(1 << 20);
      channel.seek(position);
      return Channels.newInputStream(channel);
    } catch (StorageException e) {
      throw e.getCode() == 404 ? new NoSuchFileException(nameOf(path)) : errors.failure("read", path, e);
    }
  }

  @Override
  public boolean sealsSegments() {
    return true;
  }

  @Override
  public Segment createSegment(String path) throws IOException {
    if (segments.containsKey(path) || exists(path)) {
      throw new FileAlreadyExistsException(nameOf(path));
    }
    MemorySegment segment = new MemorySegment(path);
    segments.put(path, segment);
    return segment;
  }

  /** Sealed segments are immutable: a log on this store starts a new segment instead. */
  @Override
  public Segment appendTo(String path, long validLength) {
    throw new UnsupportedOperationException("Segments on " + uri + " are sealed objects: they are never appended to");
  }

  @Override
  public String runnerUri(String path) {
    return "gs://" + bucket + "/" + objectName(path);
  }

  @Override
  public String nameOf(String path) {
    return "gs://" + bucket + "/" + objectName(path);
  }

  /**
   * A segment being written: its bytes in memory until {@link #sync} uploads them as one object,
   * created if absent. After that it takes no more appends; it stays readable from memory until the
   * log's next segment is sealed, then readers fetch it from the bucket.
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

    synchronized byte[] bytes(int from) {
      return Arrays.copyOfRange(bytes, from, length);
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
      // Readers keep the newest sealed segment in memory; older ones are read from the bucket.
      segments.entrySet().removeIf(e -> e.getValue() != this && e.getValue().sealed());
    }

    /** Drops unsealed bytes: as if the process had died. The log syncs before closing when it stops. */
    @Override
    public void close() {
      synchronized (this) {
        if (sealed) {
          return;
        }
      }
      segments.remove(path, this);
    }

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
              return -1; // for now: bytes appended later are read by the next call
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
