package dev.beamckpt.checkpoint.source.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Deque;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receive log in a checkpoint location's storage: segments {@code <dir>/<first offset, 20 digits>.log}, each a magic header
 * and then framed records {@code [int length][int crc32][long timestampMs][length bytes of UTF-8]},
 * the checksum covering timestamp and bytes. A segment is named by the offset of its first record,
 * as Kafka names its segments; the log rolls to a new segment past {@code segmentBytes}, and
 * {@link #trimBefore} deletes whole segments below an offset (never the one being written).
 *
 * <p>Records become readable only after their bytes are written, so a reader never sees a partial
 * record. A process killed mid-write leaves at most a torn tail in the last segment, which opening
 * truncates (those bytes were never readable, so never emitted). A checksum mismatch inside the
 * log is corruption and fails loudly: dropping it would silently lose the lines after it. All I/O
 * goes through {@link CheckpointStorage} (append-only segments, ranged reads), so the same log
 * works on every store.
 */
public final class FileReceiveLog implements ReceiveLog {
  private static final Logger LOG = LoggerFactory.getLogger(FileReceiveLog.class);
  static final byte[] MAGIC = "RCVLOG01".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 16;
  /** Segments roll past this size: large enough that a log of a few lines stays one file. */
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  /** A sparse index entry every this many records makes seeking to a checkpoint mark cheap. */
  private static final int INDEX_EVERY = 1024;

  private final CheckpointStorage storage;
  private final String dir;
  private final long segmentBytes;
  /** On an object store a synced segment is sealed: the next append starts a new one. */
  private final boolean sealing;
  /** Segments by first offset; the last is being written. Guarded by this. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private CheckpointStorage.Segment out;
  /**
   * On an object store, segments the log moved on from and not yet sealed, oldest first: sealed
   * in this order (a later one before an earlier one would leave a gap if the process died), by
   * one thread at a time ({@link #sealLock}) and outside the log's lock, so appends and readers go
   * on while an upload runs. Added to under the log's lock.
   */
  private final Deque<PendingSeal> pendingSeals = new ConcurrentLinkedDeque<>();
  private final Object sealLock = new Object();

  private record PendingSeal(CheckpointStorage.Segment segment, long end) {}
  /** Records below this offset are durable. Guarded by this. */
  private long syncedEnd;
  /** Checks the writer claim, and on an object store seals on schedule. */
  private final ScheduledExecutorService timer;
  private final WriterClaim claim;
  /** The writer that took this log over, once one did. */
  private volatile String takenOverBy;
  private volatile long takenOverAtNanos;
  private volatile long claimCheckedAtNanos = System.nanoTime();
  private volatile Runnable onTakenOver = () -> {};
  private volatile long endOffset;
  private volatile long maxTimestampMs = Long.MIN_VALUE;

  /** One file of the log: its records from {@code firstOffset}, and where every INDEX_EVERY-th starts. */
  private static final class Segment {
    final String file;
    final long firstOffset;
    final List<Long> index = new ArrayList<>();

    Segment(String file, long firstOffset) {
      this.file = file;
      this.firstOffset = firstOffset;
    }
  }

  private FileReceiveLog(CheckpointStorage storage, String dir, long segmentBytes, WriterClaim claim) {
    this.storage = storage;
    this.dir = dir;
    this.segmentBytes = segmentBytes;
    this.sealing = storage.sealsSegments();
    this.claim = claim;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "receive-log " + dir);
      t.setDaemon(true);
      return t;
    });
    long every = claim.checkEvery().toMillis();
    timer.scheduleWithFixedDelay(this::checkClaim, every, every, TimeUnit.MILLISECONDS);
  }

  /** Notices another writer taking the log over, and tells the receiver to stop. */
  private void checkClaim() {
    synchronized (claim) {
      if (takenOverBy == null) {
        checkClaimNow();
      }
    }
  }

  private void checkClaimNow() {
    try {
      Optional<String> newer = claim.replacedBy();
      claimCheckedAtNanos = System.nanoTime();
      if (newer.isPresent()) {
        takenOverAtNanos = System.nanoTime();
        takenOverBy = newer.get();
        LOG.info("Receive log {}: writer {} took it over (a newer attempt of this source, e.g. restored in another"
            + " JVM after a failover); this writer ({}) drains its input into the log and stops", storage.nameOf(dir),
            newer.get(), claim);
        Thread stop = new Thread(onTakenOver, "receive-log-taken-over " + dir);
        stop.setDaemon(true);
        stop.start();
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Receive log {}: checking who writes it: {}", storage.nameOf(dir), e.getMessage());
    }
  }

  @Override
  public void onTakenOver(Runnable action) {
    onTakenOver = action;
  }

  /** @param dir the log's directory in {@code storage}, {@code sources/<id>} */
  public static FileReceiveLog open(CheckpointStorage storage, String dir) throws IOException {
    return open(storage, dir, DEFAULT_SEGMENT_BYTES, RequiredEnd.NONE);
  }

  public static FileReceiveLog open(CheckpointStorage storage, String dir, long segmentBytes) throws IOException {
    return open(storage, dir, segmentBytes, RequiredEnd.NONE);
  }

  /**
   * Opens the log for appending after checking it against what the location recorded: every
   * record below {@code required} must be readable. A torn tail (a process died mid-append) is
   * truncated only beyond it; anything else that cannot be read is corruption, named by file and
   * record, and nothing is changed.
   */
  public static FileReceiveLog open(CheckpointStorage storage, String dir, long segmentBytes, RequiredEnd required)
      throws IOException {
    WriterClaim claim = WriterClaim.take(storage, dir);
    Scan scan;
    try {
      scan = scan(storage, dir, required);
    } catch (IOException | RuntimeException e) {
      claim.releaseQuietly(); // refused: the next writer need not wait for this one
      throw e;
    }
    FileReceiveLog log = new FileReceiveLog(storage, dir, segmentBytes, claim);
    try {
      log.recover(scan);
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    return log;
  }

  /**
   * Checks the log in {@code dir} against {@code required} without changing it: what {@link #open}
   * would refuse, it throws here too. For {@code checkpoint describe}.
   */
  public static Extent check(CheckpointStorage storage, String dir, RequiredEnd required) throws IOException {
    Scan scan = scan(storage, dir, required);
    return new Extent(scan.segments.isEmpty() ? 0 : scan.segments.get(0).firstOffset, scan.endOffset,
        scan.lastSize - scan.lastValidEnd, scan.bytes);
  }

  /**
   * What a log holds: records from {@code startOffset} to {@code endOffset}, a torn tail's bytes,
   * and the size of its segments.
   */
  public record Extent(long startOffset, long endOffset, long tornTailBytes, long bytes) {}

  /** A log that a batch read is not there (its directory, or every segment, is gone). */
  private static CorruptReceiveLogException missing(String where, RequiredEnd required) {
    return new CorruptReceiveLogException("Receive log " + where + " is missing, but " + required.namedBy() + " records"
        + " that a batch read it up to record " + required.offset() + ". Those lines cannot be replayed and new input"
        + " must not stand in for them: restore " + where + " from a backup, or start over with a new"
        + " --checkpointLocation.");
  }

  /** What opening found: the segments with their indexes, where the records end, where the last is torn. */
  private record Scan(List<Segment> segments, long endOffset, long maxTimestampMs, long lastValidEnd, long lastSize,
      long bytes) {}

  private static Scan scan(CheckpointStorage storage, String dir, RequiredEnd required) throws IOException {
    List<String> files = segmentFiles(storage, dir);
    if (files.isEmpty()) {
      if (required.offset() > 0) {
        throw missing(storage.nameOf(dir), required);
      }
      return new Scan(List.of(), 0, Long.MIN_VALUE, MAGIC.length, MAGIC.length, 0);
    }
    List<Segment> segments = new ArrayList<>();
    long offset = firstOffsetOf(files.get(0));
    long maxTimestampMs = Long.MIN_VALUE;
    long pos = MAGIC.length;
    long size = MAGIC.length;
    long bytes = 0;
    for (int i = 0; i < files.size(); i++) {
      String file = files.get(i);
      boolean last = i == files.size() - 1;
      if (firstOffsetOf(file) != offset) {
        throw new CorruptReceiveLogException("Receive log " + storage.nameOf(dir) + " has a gap: segment " + fileName(file)
            + " should start at record " + offset + ". A segment was removed by hand: restore it from a backup, or"
            + " start over with a new --checkpointLocation.");
      }
      Segment segment = new Segment(file, offset);
      segments.add(segment);
      size = storage.length(file);
      bytes += size;
      if (last && size < MAGIC.length) {
        pos = 0; // rolled to by a process that died before the header was written: no records yet
        size = 0;
        continue;
      }
      checkMagic(storage, file, size);
      pos = MAGIC.length;
      try (FrameReader frames = new FrameReader(storage, file, offset, MAGIC.length)) {
        for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
          if ((r.offset() - segment.firstOffset) % INDEX_EVERY == 0) {
            segment.index.add(pos);
          }
          maxTimestampMs = Math.max(maxTimestampMs, r.timestampMs());
          offset = r.offset() + 1;
          pos = frames.position;
        }
      }
      if (pos < size && (!last || offset < required.offset())) {
        throw new CorruptReceiveLogException("Receive log segment " + storage.nameOf(file) + " is damaged at record " + offset
            + " (byte " + pos + "): the " + (size - pos) + " bytes from there are not a complete record, yet "
            + (last ? required.namedBy() + " records that a batch read the log up to record " + required.offset()
                : "later segments follow it")
            + ", so this is not a tail torn by a crash. The records from " + offset + " on cannot be replayed: restore"
            + " the file from a backup, or start over with a new --checkpointLocation.");
      }
    }
    if (offset < required.offset()) {
      throw new CorruptReceiveLogException("Receive log " + storage.nameOf(dir) + " ends at record " + offset + ", but "
          + required.namedBy() + " records that a batch read it up to record " + required.offset() + ": segments are"
          + " missing or were cut short. Those lines cannot be replayed and new input must not stand in for them:"
          + " restore the log from a backup, or start over with a new --checkpointLocation.");
    }
    return new Scan(segments, offset, maxTimestampMs, pos, size, bytes);
  }

  /**
   * Adopts a scan: opens the last segment for appending, cutting a torn tail (beyond every batch),
   * or on an object store, where segments are sealed, starts a new one after it.
   */
  private void recover(Scan scan) throws IOException {
    if (sealing && !scan.segments.isEmpty()) {
      scan.segments.forEach(s -> segments.put(s.firstOffset, s));
      endOffset = scan.endOffset;
      syncedEnd = scan.endOffset;
      maxTimestampMs = scan.maxTimestampMs;
      out = startSegment(scan.endOffset);
      return;
    }
    if (scan.segments.isEmpty()) {
      String file = dir + "/" + segmentName(0);
      out = storage.createSegment(file);
      segments.put(0L, new Segment(file, 0));
      writeMagic(out);
      return;
    }
    scan.segments.forEach(s -> segments.put(s.firstOffset, s));
    Segment last = scan.segments.get(scan.segments.size() - 1);
    if (scan.lastSize > 0 && scan.lastValidEnd < scan.lastSize) {
      LOG.warn("Receive log {}: truncating a torn tail of {} bytes after record {} (written when the process died;"
          + " beyond every batch the location recorded, so never counted)", storage.nameOf(last.file),
          scan.lastSize - scan.lastValidEnd, scan.endOffset);
    }
    out = storage.appendTo(last.file, scan.lastSize == 0 ? 0 : scan.lastValidEnd);
    if (scan.lastSize == 0) {
      writeMagic(out);
    }
    endOffset = scan.endOffset;
    syncedEnd = scan.endOffset;
    maxTimestampMs = scan.maxTimestampMs;
  }

  /** Creates the segment whose first record is {@code firstOffset}, with its header, and adds it to the log. */
  private CheckpointStorage.Segment startSegment(long firstOffset) throws IOException {
    String file = dir + "/" + segmentName(firstOffset);
    CheckpointStorage.Segment next = storage.createSegment(file);
    try {
      writeMagic(next);
    } catch (IOException e) {
      next.close();
      storage.delete(file);
      throw e;
    }
    segments.put(firstOffset, new Segment(file, firstOffset));
    return next;
  }

  /** Whether the timer seals on schedule (object stores). Guarded by this. */
  private boolean syncScheduled;

  /**
   * On an object store, seals the log at least every {@code millis} while records arrive, on a
   * daemon thread (a receiver blocked on a quiet socket writes nothing, yet its last lines must not
   * wait for the next batch). Stops when the log closes. A file's records survive the process once
   * written (the kernel has them), so it keeps being forced at batches and rolls only.
   */
  public synchronized FileReceiveLog syncEvery(long millis) {
    if (sealing && millis > 0 && !syncScheduled) {
      syncScheduled = true;
      timer.scheduleWithFixedDelay(() -> {
        try {
          if (endOffset > syncedEnd()) {
            sync();
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("Receive log {}: {} (the next batch or the next interval tries again)", storage.nameOf(dir),
              e.getMessage());
        }
      }, millis, millis, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private static void writeMagic(CheckpointStorage.Segment segment) throws IOException {
    segment.append(ByteBuffer.wrap(MAGIC));
  }

  private static void checkMagic(CheckpointStorage storage, String file, long size) throws IOException {
    byte[] magic = new byte[MAGIC.length];
    try (InputStream in = storage.openRead(file, 0)) {
      if (size < MAGIC.length || in.readNBytes(magic, 0, MAGIC.length) < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
        throw new CorruptReceiveLogException("Receive log " + storage.nameOf(file) + " does not start with the"
            + " receive-log header: it is not a receive log, or its start is damaged. Restore it from a backup, or start"
            + " over with a new --checkpointLocation.");
      }
    }
  }

  /**
   * Reads every complete record of the log in {@code dir} without opening it for writing (a
   * running query may be appending): for tools and tests. A torn tail ends the read.
   */
  public static List<LogRecord> readAll(CheckpointStorage storage, String dir) throws IOException {
    List<LogRecord> records = new ArrayList<>();
    for (String file : segmentFiles(storage, dir)) {
      long size = storage.length(file);
      try (FrameReader frames = new FrameReader(storage, file, firstOffsetOf(file), MAGIC.length)) {
        for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
          records.add(r);
        }
      }
    }
    return records;
  }

  /** The log's segments, oldest first, as paths in the storage; empty if the log does not exist. */
  private static List<String> segmentFiles(CheckpointStorage storage, String dir) throws IOException {
    return storage.list(dir).stream().filter(n -> n.matches("\\d{20}\\.log")).map(n -> dir + "/" + n).toList();
  }

  private static String segmentName(long firstOffset) {
    return String.format("%020d.log", firstOffset);
  }

  private static String fileName(String file) {
    return file.substring(file.lastIndexOf('/') + 1);
  }

  private static long firstOffsetOf(String file) {
    String name = fileName(file);
    return Long.parseLong(name.substring(0, name.length() - ".log".length()));
  }

  static int checksum(long ts, byte[] payload) {
    CRC32 crc = new CRC32();
    crc.update(ByteBuffer.allocate(8).putLong(0, ts));
    crc.update(payload);
    return (int) crc.getValue();
  }

  /** The segment being written, as a person finds it. */
  public synchronized String file() {
    return storage.nameOf(segments.lastEntry().getValue().file);
  }

  @Override
  public synchronized long startOffset() {
    return segments.firstKey();
  }

  @Override
  public long endOffset() {
    return endOffset;
  }

  @Override
  public long maxTimestampMs() {
    return maxTimestampMs;
  }

  /**
   * Appends all lines or none: a write that fails (a full disk) is cut back to the last whole
   * record, so the log never holds a partial record it would later read as corruption.
   */
  @Override
  public synchronized void append(List<String> lines, long timestampMs) throws IOException {
    checkStillOurs();
    if (out.length() >= segmentBytes && endOffset > segments.lastKey()) {
      roll();
    }
    Segment segment = segments.lastEntry().getValue();
    List<byte[]> payloads = new ArrayList<>(lines.size());
    int total = 0;
    for (String line : lines) {
      byte[] b = line.getBytes(StandardCharsets.UTF_8);
      payloads.add(b);
      total += HEADER + b.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(total);
    List<Long> indexed = new ArrayList<>();
    long offset = endOffset;
    long pos = out.length();
    for (byte[] b : payloads) {
      if ((offset - segment.firstOffset) % INDEX_EVERY == 0) {
        indexed.add(pos);
      }
      buf.putInt(b.length).putInt(checksum(timestampMs, b)).putLong(timestampMs).put(b);
      offset++;
      pos += HEADER + b.length;
    }
    buf.flip();
    try {
      out.append(buf); // all or nothing: a failed write is cut back to the last whole record
    } catch (IOException e) {
      throw new ReceiveLogWriteException("Cannot append to receive log " + storage.nameOf(segment.file) + ": "
          + LocalStorage.reason(e), e);
    }
    segment.index.addAll(indexed);
    maxTimestampMs = Math.max(maxTimestampMs, timestampMs);
    endOffset = offset; // publish only after the bytes are written
  }

  /**
   * Starts the next segment once it holds its header on disk, and only then closes the full one
   * (synced, so only the last segment can ever have a torn tail). A roll that fails leaves the
   * current segment in place.
   */
  private void roll() throws IOException {
    if (sealing) {
      moveOnForSealing(); // sealed by the next sync, outside this lock
      return;
    }
    CheckpointStorage.Segment next;
    try {
      out.sync();
      syncedEnd = endOffset;
      next = startSegment(endOffset);
    } catch (IOException e) {
      throw new ReceiveLogWriteException("Cannot start receive log segment " + storage.nameOf(dir + "/"
          + segmentName(endOffset)) + ": " + LocalStorage.reason(e), e);
    }
    out.close();
    out = next;
  }

  /** Object stores: queues the segment being written for sealing and starts the next (in memory, no request). */
  private void moveOnForSealing() throws IOException {
    if (endOffset > segments.lastKey()) {
      pendingSeals.add(new PendingSeal(out, endOffset));
      out = startSegment(endOffset);
    }
  }

  /**
   * Forces the segment being written to disk, or on an object store seals every segment written
   * so far, in order; a seal that fails (an outage) stays queued and the next sync tries again.
   */
  @Override
  public void sync() throws IOException {
    if (!sealing) {
      synchronized (this) {
        try {
          out.sync();
        } catch (IOException e) {
          throw new ReceiveLogWriteException("Cannot force receive log segment " + file() + " to disk: "
              + LocalStorage.reason(e), e);
        }
        syncedEnd = endOffset;
      }
      return;
    }
    synchronized (sealLock) {
      synchronized (this) {
        moveOnForSealing();
      }
      for (PendingSeal pending; (pending = pendingSeals.peek()) != null; pendingSeals.poll()) {
        try {
          pending.segment().sync();
          pending.segment().close();
        } catch (IOException e) {
          throw new ReceiveLogWriteException("Cannot seal receive log segment " + pending.segment() + ": "
              + LocalStorage.reason(e), e);
        }
        synchronized (this) {
          syncedEnd = pending.end();
        }
      }
    }
  }

  @Override
  public void makeDurableThrough(long offset) throws IOException {
    if (sealing && offset > syncedEnd()) {
      sync();
    }
  }

  /** One past the newest durable record: lines beyond it are lost if the process is killed now. */
  public synchronized long syncedEnd() {
    return syncedEnd;
  }

  @Override
  public Cursor cursor(long fromOffset) throws IOException {
    FileCursor cursor;
    synchronized (this) {
      if (fromOffset > endOffset) {
        throw new IOException("Offset " + fromOffset + " is past the end of receive log " + storage.nameOf(dir) + " (" + endOffset
            + " records): the checkpoint mark does not belong to this log.");
      }
      if (fromOffset < segments.firstKey()) {
        throw new IOException("Record " + fromOffset + " of receive log " + storage.nameOf(dir) + " was trimmed (the log starts at "
            + segments.firstKey() + "): the state to resume from is older than what the log keeps.");
      }
      Segment segment = segments.floorEntry(fromOffset).getValue();
      int slot = (int) ((fromOffset - segment.firstOffset) / INDEX_EVERY);
      long seekOffset = segment.firstOffset;
      long seekPosition = MAGIC.length;
      if (slot < segment.index.size()) {
        seekOffset = segment.firstOffset + (long) slot * INDEX_EVERY;
        seekPosition = segment.index.get(slot);
      }
      cursor = new FileCursor(new FrameReader(storage, segment.file, seekOffset, seekPosition));
    }
    while (cursor.frames.offset < fromOffset) {
      cursor.next();
    }
    return cursor;
  }

  /**
   * Deletes the segments that hold only records below {@code offset}; the segment being written
   * stays. On an object store a segment goes only once a later one is sealed: the newest sealed
   * segment is where a reopened log learns how far it reaches (an unsealed one is not stored yet).
   */
  @Override
  public void trimBefore(long offset) {
    List<Segment> drop = new ArrayList<>();
    synchronized (this) {
      Long next;
      while (segments.size() > 1 && (next = segments.higherKey(segments.firstKey())) != null && next <= offset
          && (!sealing || next < syncedEnd)) {
        drop.add(segments.pollFirstEntry().getValue());
      }
    }
    for (Segment segment : drop) {
      try {
        storage.delete(segment.file);
        LOG.info("Receive log {}: trimmed segment {} (records below {} are in every retained checkpoint)",
            storage.nameOf(dir), fileName(segment.file), offset);
      } catch (IOException e) {
        LOG.warn("Receive log {}: could not delete trimmed segment {}: {}", storage.nameOf(dir), segment.file,
            e.getMessage());
      }
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (this) {
      timer.shutdownNow();
      if (out == null) {
        return;
      }
    }
    try {
      sync(); // a closed log is durable; only a killed process loses what it had not synced
    } finally {
      synchronized (this) {
        out.close();
      }
      claim.releaseQuietly();
    }
  }

  /**
   * A writer taken over may drain into the log only while its successor still waits for it. One
   * whose claim check stalled (a frozen process) checks before it writes.
   */
  private void checkStillOurs() throws IOException {
    // On an object store a frozen writer cannot overwrite what its successor wrote (segments are
    // created once), and a store call here would hold appends up through an outage.
    if (!sealing && takenOverBy == null && System.nanoTime() - claimCheckedAtNanos > DRAIN_AFTER_TAKEOVER.toNanos() / 4) {
      checkClaim();
    }
    if (takenOverBy != null && System.nanoTime() - takenOverAtNanos > DRAIN_AFTER_TAKEOVER.toNanos()) {
      throw new ReceiveLogTakenOverException("Receive log " + storage.nameOf(dir) + " was taken over by writer "
          + takenOverBy + " (a newer attempt of this source); this writer (" + claim + ") may write no more");
    }
  }

  /** How long a writer taken over may still drain into the log: well within its successor's wait. */
  private static final Duration DRAIN_AFTER_TAKEOVER = WriterClaim.LIVE_WRITER_WAIT.dividedBy(2);

  /** Reads published records across segments: every record below {@link #endOffset} is completely written. */
  private final class FileCursor implements Cursor {
    private FrameReader frames;

    FileCursor(FrameReader frames) {
      this.frames = frames;
    }

    @Override
    public LogRecord next() throws IOException {
      if (frames.offset >= endOffset) {
        return null;
      }
      LogRecord r = null;
      try {
        r = frames.next(Long.MAX_VALUE);
      } catch (EOFException e) {
        // the end of this segment: the record is in the next one
      }
      if (r == null) {
        String nextFile = nextSegment(frames.offset);
        if (nextFile == null) {
          throw new IOException("Receive log " + storage.nameOf(dir) + " ends before record " + frames.offset
              + " that it announced");
        }
        frames.close();
        frames = new FrameReader(storage, nextFile, frames.offset, MAGIC.length);
        return next();
      }
      return r;
    }

    @Override
    public void close() throws IOException {
      frames.close();
    }
  }

  /** The segment starting at {@code offset}, if the log has rolled there. */
  private synchronized String nextSegment(long offset) {
    Segment s = segments.get(offset);
    return s == null ? null : s.file;
  }

  /**
   * Reads framed records in order from a byte position: the one place that knows the frame, its
   * checksum and what a torn tail looks like.
   */
  private static final class FrameReader implements Closeable {
    private final String file;
    private final DataInputStream in;
    long offset;
    long position;

    FrameReader(CheckpointStorage storage, String file, long offset, long position) throws IOException {
      this.file = storage.nameOf(file);
      this.offset = offset;
      this.position = position;
      this.in = new DataInputStream(new BufferedInputStream(storage.openRead(file, position), 1 << 16));
    }

    /** The next record wholly before byte {@code size}, or null at a torn tail or the end. */
    LogRecord next(long size) throws IOException {
      if (size - position < HEADER) {
        return null;
      }
      int len = in.readInt();
      int crc = in.readInt();
      long ts = in.readLong();
      if (len < 0) {
        throw new CorruptReceiveLogException("Receive log " + file + " is corrupt at record " + offset + " (byte "
            + position + "): its length field reads " + len + ", which no writer produces. The records from there on"
            + " cannot be trusted: restore the file from a backup, or start over with a new --checkpointLocation.");
      }
      if (position + HEADER + len > size) {
        return null;
      }
      byte[] payload = in.readNBytes(len);
      if (payload.length < len) {
        return null;
      }
      if (crc != checksum(ts, payload)) {
        throw new CorruptReceiveLogException("Receive log " + file + " is corrupt at record " + offset + " (byte "
            + position + "): checksum mismatch. The records from there on cannot be trusted: restore the file from a"
            + " backup, or start over with a new --checkpointLocation.");
      }
      position += HEADER + len;
      return new LogRecord(offset++, ts, new String(payload, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
