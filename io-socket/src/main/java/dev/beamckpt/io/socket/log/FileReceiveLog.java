package dev.beamckpt.io.socket.log;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receive log on disk: {@code <dir>/00000000000000000000.log}, a magic header, then framed
 * records {@code [int length][int crc32][long timestampMs][length bytes of UTF-8]}, the checksum
 * covering timestamp and bytes.
 *
 * <p>Records become readable only after their bytes are written, so a reader never sees a partial
 * record. A process killed mid-write leaves at most a torn tail, which opening truncates (those
 * bytes were never readable, so never emitted). A checksum mismatch inside the log is corruption
 * and fails loudly: dropping it would silently lose the lines after it. The file name carries the
 * first offset it holds, so segments can roll and be trimmed later.
 */
public final class FileReceiveLog implements ReceiveLog {
  private static final Logger LOG = LoggerFactory.getLogger(FileReceiveLog.class);
  static final byte[] MAGIC = "RCVLOG01".getBytes(StandardCharsets.US_ASCII);
  static final int HEADER = 16;
  /** A sparse index entry every this many records makes seeking to a checkpoint mark cheap. */
  private static final int INDEX_EVERY = 1024;

  private final Path file;
  private final FileChannel out;
  private final List<Long> index = new ArrayList<>();
  private volatile long endOffset;
  private volatile long maxTimestampMs = Long.MIN_VALUE;
  private long endPosition;

  private FileReceiveLog(Path file, FileChannel out) {
    this.file = file;
    this.out = out;
  }

  public static FileReceiveLog open(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = firstSegment(dir);
    FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileReceiveLog log = new FileReceiveLog(file, out);
    try {
      log.recover();
    } catch (IOException | RuntimeException e) {
      out.close();
      throw e;
    }
    return log;
  }

  /** Scans the log: builds the index, finds the end, truncates a torn tail. */
  private void recover() throws IOException {
    long size = out.size();
    if (size == 0) {
      out.write(ByteBuffer.wrap(MAGIC), 0);
      endPosition = MAGIC.length;
      return;
    }
    ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
    out.read(magic, 0);
    if (size < MAGIC.length || !java.util.Arrays.equals(magic.array(), MAGIC)) {
      throw new IOException("Receive log " + file + " does not start with the receive-log header: it is not a"
          + " receive log, or its start is damaged. Move it aside to start this source's log over (its lines are lost).");
    }
    long pos = MAGIC.length;
    long offset = 0;
    try (FrameReader frames = new FrameReader(file, 0, MAGIC.length)) {
      for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
        if (r.offset() % INDEX_EVERY == 0) {
          index.add(pos);
        }
        maxTimestampMs = Math.max(maxTimestampMs, r.timestampMs());
        offset = r.offset() + 1;
        pos = frames.position;
      }
    }
    if (pos < size) {
      LOG.warn("Receive log {}: truncating a torn tail of {} bytes after record {} (written when the process died;"
          + " never read, so nothing emitted is lost)", file, size - pos, offset);
      out.truncate(pos);
    }
    endPosition = pos;
    endOffset = offset;
  }

  /**
   * Reads every complete record of the log in {@code dir} without opening it for writing (a
   * running query may be appending): for tools and tests. A torn tail ends the read.
   */
  public static List<LogRecord> readAll(Path dir) throws IOException {
    Path file = firstSegment(dir);
    List<LogRecord> records = new ArrayList<>();
    if (!Files.exists(file)) {
      return records;
    }
    long size = Files.size(file);
    try (FrameReader frames = new FrameReader(file, 0, MAGIC.length)) {
      for (LogRecord r = frames.next(size); r != null; r = frames.next(size)) {
        records.add(r);
      }
    }
    return records;
  }

  /** The segment that starts at offset 0, named by its first offset as Kafka names segments. */
  private static Path firstSegment(Path dir) {
    return dir.resolve(String.format("%020d.log", 0));
  }

  static int checksum(long ts, byte[] payload) {
    CRC32 crc = new CRC32();
    crc.update(ByteBuffer.allocate(8).putLong(0, ts));
    crc.update(payload);
    return (int) crc.getValue();
  }

  public Path file() {
    return file;
  }

  @Override
  public long startOffset() {
    return 0;
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
      if (offset % INDEX_EVERY == 0) {
        index.add(pos);
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

  @Override
  public void sync() throws IOException {
    out.force(false);
  }

  @Override
  public Cursor cursor(long fromOffset) throws IOException {
    long seekOffset;
    long seekPosition;
    synchronized (this) {
      if (fromOffset > endOffset) {
        throw new IOException("Offset " + fromOffset + " is past the end of receive log " + file + " (" + endOffset
            + " records): the checkpoint mark does not belong to this log.");
      }
      int slot = (int) (fromOffset / INDEX_EVERY);
      seekOffset = (long) slot * INDEX_EVERY;
      seekPosition = slot < index.size() ? index.get(slot) : MAGIC.length;
      if (slot >= index.size()) {
        seekOffset = 0;
      }
    }
    FileCursor cursor = new FileCursor(new FrameReader(file, seekOffset, seekPosition));
    while (cursor.frames.offset < fromOffset) {
      cursor.next();
    }
    return cursor;
  }

  @Override
  public void trimBefore(long offset) {
    // The Direct adapter rebuilds state from the whole log, so a file log keeps every record.
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** Reads published records: every record below {@link #endOffset} is completely written. */
  private final class FileCursor implements Cursor {
    private final FrameReader frames;

    FileCursor(FrameReader frames) {
      this.frames = frames;
    }

    @Override
    public LogRecord next() throws IOException {
      if (frames.offset >= endOffset) {
        return null;
      }
      LogRecord r;
      try {
        r = frames.next(Long.MAX_VALUE);
      } catch (EOFException e) {
        r = null;
      }
      if (r == null) {
        throw new IOException("Receive log " + file + " ends before record " + frames.offset + " that it announced");
      }
      return r;
    }

    @Override
    public void close() throws IOException {
      frames.close();
    }
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
