package dev.beamckpt.io.socket.log;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receive log on disk: segments {@code <dir>/<first offset, 20 digits>.log}, each a magic header
 * and then framed records {@code [int length][int crc32][long timestampMs][length bytes of UTF-8]},
 * the checksum covering timestamp and bytes. A segment is named by the offset of its first record,
 * as Kafka names its segments; the log rolls to a new segment past {@code segmentBytes}, and
 * {@link #trimBefore} deletes whole segments below an offset (never the one being written).
 *
 * <p>Records become readable only after their bytes are written, so a reader never sees a partial
 * record. A process killed mid-write leaves at most a torn tail in the last segment, which opening
 * truncates (those bytes were never readable, so never emitted). A checksum mismatch inside the
 * log is corruption and fails loudly: dropping it would silently lose the lines after it.
 */
public final class FileReceiveLog implements ReceiveLog {
  private static final Logger LOG = LoggerFactory.getLogger(FileReceiveLog.class);
  static final byte[] MAGIC = "RCVLOG01".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 16;
  /** Segments roll past this size: large enough that a log of a few lines stays one file. */
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  /** A sparse index entry every this many records makes seeking to a checkpoint mark cheap. */
  private static final int INDEX_EVERY = 1024;

  private final Path dir;
  private final long segmentBytes;
  /** Segments by first offset; the last is being written. Guarded by this. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private FileChannel out;
  private volatile long endOffset;
  private volatile long maxTimestampMs = Long.MIN_VALUE;
  private long endPosition;

  /** One file of the log: its records from {@code firstOffset}, and where every INDEX_EVERY-th starts. */
  private static final class Segment {
    final Path file;
    final long firstOffset;
    final List<Long> index = new ArrayList<>();

    Segment(Path file, long firstOffset) {
      this.file = file;
      this.firstOffset = firstOffset;
    }
  }

  private FileReceiveLog(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  public static FileReceiveLog open(Path dir) throws IOException {
    return open(dir, DEFAULT_SEGMENT_BYTES);
  }

  public static FileReceiveLog open(Path dir, long segmentBytes) throws IOException {
    Files.createDirectories(dir);
    FileReceiveLog log = new FileReceiveLog(dir, segmentBytes);
    try {
      log.recover();
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    return log;
  }

  /** Scans the segments: builds their indexes, finds the end, truncates a torn tail of the last. */
  private void recover() throws IOException {
    List<Path> files = segmentFiles(dir);
    if (files.isEmpty()) {
      files = List.of(dir.resolve(segmentName(0)));
    }
    long offset = firstOffsetOf(files.get(0));
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      boolean last = i == files.size() - 1;
      if (firstOffsetOf(file) != offset) {
        throw new IOException("Receive log " + dir + " has a gap: segment " + file.getFileName() + " should start at record "
            + offset + ". A segment was removed by hand; restore it from a backup, or move the directory aside to start"
            + " this source's log over (its lines are lost).");
      }
      Segment segment = new Segment(file, offset);
      segments.put(offset, segment);
      if (last) {
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (out.size() == 0) {
          out.write(ByteBuffer.wrap(MAGIC), 0);
        }
      }
      long size = Files.size(file);
      checkMagic(file, size);
      long pos = MAGIC.length;
      try (FrameReader frames = new FrameReader(file, offset, MAGIC.length)) {
        for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
          if ((r.offset() - segment.firstOffset) % INDEX_EVERY == 0) {
            segment.index.add(pos);
          }
          maxTimestampMs = Math.max(maxTimestampMs, r.timestampMs());
          offset = r.offset() + 1;
          pos = frames.position;
        }
      }
      if (pos < size) {
        if (!last) {
          throw new IOException("Receive log segment " + file + " ends in " + (size - pos) + " bytes that are not a"
              + " complete record, but later segments follow it: the file is damaged. Restore it from a backup.");
        }
        LOG.warn("Receive log {}: truncating a torn tail of {} bytes after record {} (written when the process died;"
            + " never read, so nothing emitted is lost)", file, size - pos, offset);
        out.truncate(pos);
      }
      endPosition = pos;
    }
    endOffset = offset;
  }

  private static void checkMagic(Path file, long size) throws IOException {
    byte[] magic = new byte[MAGIC.length];
    try (InputStream in = Files.newInputStream(file)) {
      if (size < MAGIC.length || in.readNBytes(magic, 0, MAGIC.length) < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
        throw new IOException("Receive log " + file + " does not start with the receive-log header: it is not a"
            + " receive log, or its start is damaged. Move it aside to start this source's log over (its lines are lost).");
      }
    }
  }

  /**
   * Reads every complete record of the log in {@code dir} without opening it for writing (a
   * running query may be appending): for tools and tests. A torn tail ends the read.
   */
  public static List<LogRecord> readAll(Path dir) throws IOException {
    List<LogRecord> records = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return records;
    }
    for (Path file : segmentFiles(dir)) {
      long size = Files.size(file);
      try (FrameReader frames = new FrameReader(file, firstOffsetOf(file), MAGIC.length)) {
        for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
          records.add(r);
        }
      }
    }
    return records;
  }

  private static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("\\d{20}\\.log")).sorted().toList();
    }
  }

  private static String segmentName(long firstOffset) {
    return String.format("%020d.log", firstOffset);
  }

  private static long firstOffsetOf(Path file) {
    String name = file.getFileName().toString();
    return Long.parseLong(name.substring(0, name.length() - ".log".length()));
  }

  static int checksum(long ts, byte[] payload) {
    CRC32 crc = new CRC32();
    crc.update(ByteBuffer.allocate(8).putLong(0, ts));
    crc.update(payload);
    return (int) crc.getValue();
  }

  /** The segment being written. */
  public synchronized Path file() {
    return segments.lastEntry().getValue().file;
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

  @Override
  public synchronized void append(List<String> lines, long timestampMs) throws IOException {
    if (endPosition >= segmentBytes && endOffset > segments.lastKey()) {
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
    long offset = endOffset;
    long pos = endPosition;
    for (byte[] b : payloads) {
      if ((offset - segment.firstOffset) % INDEX_EVERY == 0) {
        segment.index.add(pos);
      }
      buf.putInt(b.length).putInt(checksum(timestampMs, b)).putLong(timestampMs).put(b);
      offset++;
      pos += HEADER + b.length;
    }
    buf.flip();
    while (buf.hasRemaining()) {
      endPosition += out.write(buf, endPosition);
    }
    maxTimestampMs = Math.max(maxTimestampMs, timestampMs);
    endOffset = offset; // publish only after the bytes are written
  }

  /** Closes the full segment (synced, so only the last can ever have a torn tail) and starts the next. */
  private void roll() throws IOException {
    out.force(false);
    out.close();
    Path file = dir.resolve(segmentName(endOffset));
    out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    out.write(ByteBuffer.wrap(MAGIC), 0);
    endPosition = MAGIC.length;
    segments.put(endOffset, new Segment(file, endOffset));
  }

  @Override
  public synchronized void sync() throws IOException {
    out.force(false);
  }

  @Override
  public Cursor cursor(long fromOffset) throws IOException {
    FileCursor cursor;
    synchronized (this) {
      if (fromOffset > endOffset) {
        throw new IOException("Offset " + fromOffset + " is past the end of receive log " + dir + " (" + endOffset
            + " records): the checkpoint mark does not belong to this log.");
      }
      if (fromOffset < segments.firstKey()) {
        throw new IOException("Record " + fromOffset + " of receive log " + dir + " was trimmed (the log starts at "
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
      cursor = new FileCursor(new FrameReader(segment.file, seekOffset, seekPosition));
    }
    while (cursor.frames.offset < fromOffset) {
      cursor.next();
    }
    return cursor;
  }

  /** Deletes the segments that hold only records below {@code offset}; the segment being written stays. */
  @Override
  public void trimBefore(long offset) {
    List<Segment> drop = new ArrayList<>();
    synchronized (this) {
      Long next;
      while (segments.size() > 1 && (next = segments.higherKey(segments.firstKey())) != null && next <= offset) {
        drop.add(segments.pollFirstEntry().getValue());
      }
    }
    for (Segment segment : drop) {
      try {
        Files.deleteIfExists(segment.file);
        LOG.info("Receive log {}: trimmed segment {} (records below {} are in every retained checkpoint)", dir,
            segment.file.getFileName(), offset);
      } catch (IOException e) {
        LOG.warn("Receive log {}: could not delete trimmed segment {}: {}", dir, segment.file, e.getMessage());
      }
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }

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
        Path nextFile = nextSegment(frames.offset);
        if (nextFile == null) {
          throw new IOException("Receive log " + dir + " ends before record " + frames.offset + " that it announced");
        }
        frames.close();
        frames = new FrameReader(nextFile, frames.offset, MAGIC.length);
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
  private synchronized Path nextSegment(long offset) {
    Segment s = segments.get(offset);
    return s == null ? null : s.file;
  }

  /**
   * Reads framed records in order from a byte position: the one place that knows the frame, its
   * checksum and what a torn tail looks like.
   */
  private static final class FrameReader implements Closeable {
    private final Path file;
    private final FileChannel ch;
    private final DataInputStream in;
    long offset;
    long position;

    FrameReader(Path file, long offset, long position) throws IOException {
      this.file = file;
      this.ch = FileChannel.open(file, StandardOpenOption.READ);
      this.offset = offset;
      this.position = position;
      this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch.position(position)), 1 << 16));
    }

    /** The next record wholly before byte {@code size}, or null at a torn tail or the end. */
    LogRecord next(long size) throws IOException {
      if (size - position < HEADER) {
        return null;
      }
      int len = in.readInt();
      int crc = in.readInt();
      long ts = in.readLong();
      if (len < 0 || position + HEADER + len > size) {
        return null;
      }
      byte[] payload = in.readNBytes(len);
      if (payload.length < len) {
        return null;
      }
      if (crc != checksum(ts, payload)) {
        throw new IOException("Receive log " + file + " is corrupt at record " + offset + " (byte " + position
            + "): checksum mismatch. The records from there on cannot be trusted; restore the file from a backup"
            + " or move it aside to start this source's log over.");
      }
      position += HEADER + len;
      return new LogRecord(offset++, ts, new String(payload, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
