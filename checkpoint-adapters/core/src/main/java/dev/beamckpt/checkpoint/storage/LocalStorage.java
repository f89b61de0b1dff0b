package dev.beamckpt.checkpoint.storage;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A checkpoint location on a local (or mounted) filesystem: atomic writes by temp file, fsync and
 * link, and ownership by an OS file lock that the kernel releases if the process dies.
 */
public final class LocalStorage implements CheckpointStorage {
  static final String LOCK_FILE = ".lock";

  private final String uri;
  private final Path root;

  public LocalStorage(String uri, Path root) {
    this.uri = uri;
    this.root = root.toAbsolutePath().normalize();
  }

  /** The location in directory {@code root}, named by its path (for tools and tests). */
  public static LocalStorage at(Path root) {
    return new LocalStorage(root.toString(), root);
  }

  public Path root() {
    return root;
  }

  @Override
  public String uri() {
    return uri;
  }

  private Path resolve(String path) {
    return root.resolve(path);
  }

  @Override
  public byte[] read(String path) throws IOException {
    try {
      return Files.readAllBytes(resolve(path));
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw failure("read", path, e);
    }
  }

  @Override
  public boolean exists(String path) {
    return Files.exists(resolve(path));
  }

  @Override
  public boolean createIfAbsent(String path, byte[] data) throws IOException {
    Path target = resolve(path);
    if (Files.exists(target)) {
      return false;
    }
    Path tmp = tempFor(target);
    try {
      Files.createDirectories(target.getParent());
      writeSynced(tmp, data);
      // A hard link fails if the target exists: create-if-absent without a window where a
      // concurrent writer's file could be replaced (rename would overwrite).
      Files.createLink(target, tmp);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException e) {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (IOException e) {
      throw failure("write", path, e);
    } finally {
      Files.deleteIfExists(tmp); // also after a failed write (a full disk): no partial file stays behind
      fsyncDirectory(target.getParent());
    }
  }

  @Override
  public void replace(String path, byte[] data) throws IOException {
    Path target = resolve(path);
    Path tmp = tempFor(target);
    try {
      Files.createDirectories(target.getParent());
      writeSynced(tmp, data);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw failure("write", path, e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A temp file name of its own for each write: two writers of one file (threads or processes) never share it. */
  private static Path tempFor(Path target) {
    return target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "-"
        + TEMP_SEQUENCE.incrementAndGet() + ".tmp");
  }

  private static final AtomicLong TEMP_SEQUENCE = new AtomicLong();

  /** Writes a temp file whole and forces it to disk, before it is linked or moved into place. */
  private static void writeSynced(Path tmp, byte[] data) throws IOException {
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  /** A storage error that names the file, the location and why, keeping the cause (tells a full disk apart). */
  private IOException failure(String action, String path, IOException e) {
    return new IOException("Cannot " + action + " " + path + " in checkpoint location " + uri + ": " + reason(e), e);
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Not every filesystem lets a directory be opened for sync; the file itself was synced.
    }
  }

  @Override
  public List<String> list(String dir) throws IOException {
    Path d = resolve(dir);
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(d)) {
      s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(names::add);
    } catch (IOException e) {
      throw failure("list", dir.isEmpty() ? "the directory" : dir + "/", e);
    }
    return names;
  }

  @Override
  public void delete(String path) throws IOException {
    try {
      Files.deleteIfExists(resolve(path));
    } catch (IOException e) {
      throw failure("delete", path, e);
    }
  }

  @Override
  public void checkWritable() throws IOException {
    if (Files.isRegularFile(root)) {
      throw new IOException("Checkpoint location " + uri + " is a file, not a directory. Give --checkpointLocation a"
          + " directory (it is created if missing).");
    }
    try {
      Files.createDirectories(root);
      Path probe = Files.createTempFile(root, ".write-probe", ".tmp");
      Files.delete(probe);
    } catch (java.nio.file.FileSystemException e) {
      throw new IOException(
          "Checkpoint location " + uri + " is not writable (" + reason(e) + "). "
              + "A streaming query must record offsets and commits there: grant write access, "
              + "or pass a writable --checkpointLocation.",
          e);
    }
  }

  /** Why an operation failed, in words: the OS's reason, "permission denied" for a bare AccessDeniedException. */
  public static String reason(IOException e) {
    if (e instanceof AccessDeniedException ade && ade.getReason() == null) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  @Override
  public Lease acquireLease(String owner) throws IOException {
    Files.createDirectories(root);
    Path lockFile = resolve(LOCK_FILE);
    FileChannel ch;
    try {
      ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (java.nio.file.FileSystemException e) {
      throw new IOException("Cannot open the lock file " + lockFile + " of checkpoint location " + uri + ": " + reason(e)
          + ". The query must lock the location to own it: run it as the user that owns the location's files, grant"
          + " this user write access to them, or give it a different --checkpointLocation.", e);
    }
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another query in this same JVM
    }
    if (lock == null) {
      String holder;
      try {
        holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        holder = "unknown";
      }
      ch.close();
      throw new LocationInUseException(uri, holder.isEmpty() ? "unknown" : holder);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    ch.force(false);
    FileLock held = lock;
    return () -> {
      try {
        held.channel().truncate(0);
        held.release();
      } finally {
        held.channel().close();
      }
    };
  }

  @Override
  public long length(String path) throws IOException {
    return Files.size(resolve(path));
  }

  @Override
  public InputStream openRead(String path, long position) throws IOException {
    FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.READ);
    try {
      ch.position(position);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return Channels.newInputStream(ch); // reads at the channel's position: later appends are seen
  }

  @Override
  public Segment createSegment(String path) throws IOException {
    Path file = resolve(path);
    try {
      Files.createDirectories(file.getParent());
      return new FileSegment(file, FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 0);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException e) {
      throw failure("create", path, e);
    }
  }

  @Override
  public Segment appendTo(String path, long validLength) throws IOException {
    FileChannel ch = FileChannel.open(resolve(path), StandardOpenOption.WRITE);
    try {
      if (ch.size() > validLength) {
        ch.truncate(validLength);
      }
      return new FileSegment(resolve(path), ch, ch.size());
    } catch (IOException e) {
      ch.close();
      throw failure("truncate", path, e);
    }
  }

  @Override
  public String runnerUri(String path) throws IOException {
    Path dir = resolve(path);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw failure("create", path + "/", e);
    }
    return dir.toUri().toString().replaceAll("/+$", ""); // a directory's URI ends in '/': runners append names
  }

  @Override
  public String nameOf(String path) {
    return resolve(path).toString();
  }

  /** A segment file written with positional writes at its end, forced with fdatasync. */
  private static final class FileSegment implements Segment {
    private final Path file;
    private final FileChannel ch;
    private long length;

    FileSegment(Path file, FileChannel ch, long length) {
      this.file = file;
      this.ch = ch;
      this.length = length;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public void append(ByteBuffer data) throws IOException {
      long written = length;
      try {
        while (data.hasRemaining()) {
          written += ch.write(data, written);
        }
      } catch (IOException e) {
        try {
          ch.truncate(length);
        } catch (IOException truncateFailed) {
          e.addSuppressed(truncateFailed); // a partial record stays past the end: the next open cuts it as torn
        }
        throw e;
      }
      length = written;
    }

    @Override
    public void sync() throws IOException {
      if (ch.isOpen()) { // a closed segment was synced when it closed
        ch.force(false);
      }
    }

    @Override
    public void close() throws IOException {
      if (ch.isOpen()) {
        try {
          ch.force(false);
        } finally {
          ch.close();
        }
      }
    }

    @Override
    public String toString() {
      return file.toString();
    }
  }

  /** Describes this process for lock files and run records. */
  public static String processDescription() {
    return ManagementFactory.getRuntimeMXBean().getName(); // "pid@host"
  }

  /** Thrown when another live query owns the location. */
  public static final class LocationInUseException extends IOException {
    public LocationInUseException(String uri, String holder) {
      super("Checkpoint location " + uri + " is in use by another query (" + holder + "). "
          + "Only one query may run on a location at a time: stop that query first, "
          + "or give this one a different --checkpointLocation.");
    }
  }
}
