package dev.beamckpt.io.socket.log;

import java.io.BufferedInputStream;
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
    Path file = dir.resolve(String.format("%020d.log", 0));
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
    try (FileChannel scan = FileChannel.open(file, StandardOpenOption.READ);
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(scan.position(pos)), 1 << 16))) {
      while (pos < size) {
        if (size - pos < HEADER) {
          break; // torn header
        }
        int len = in.readInt();
        int crc = in.readInt();
        long ts = in.readLong();
        if (len < 0 || pos + HEADER + len > size) {
          break; // torn payload
        }
        byte[] payload = in.readNBytes(len);
        if (crc != checksum(ts, payload)) {
          throw new IOException("Receive log " + file + " is corrupt at record " + offset + " (byte " + pos
              + "): checksum mismatch. The records from there on cannot be trusted; restore the file from a backup"
              + " or move it aside to start this source's log over.");
        }
        if (offset % INDEX_EVERY == 0) {
          index.add(pos);
        }
        maxTimestampMs = Math.max(maxTimestampMs, ts);
        offset++;
        pos += HEADER + len;
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
    Path file = dir.resolve(String.format("%020d.log", 0));
    List<LogRecord> records = new ArrayList<>();
    if (!Files.exists(file)) {
      return records;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 1 << 16))) {
      long size = ch.size();
      long pos = in.skip(MAGIC.length);
      while (size - pos >= HEADER) {
        int len = in.readInt();
        int crc = in.readInt();
        long ts = in.readLong();
        if (len < 0 || pos + HEADER + len > size) {
          break;
        }
        byte[] payload = in.readNBytes(len);
        if (crc != checksum(ts, payload)) {
          throw new IOException("Receive log " + file + ": record " + records.size() + " is corrupt (checksum mismatch)");
        }
        records.add(new LogRecord(records.size(), ts, new String(payload, StandardCharsets.UTF_8)));
        pos += HEADER + len;
      }
    }
    return records;
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
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    FileCursor cursor = new FileCursor(ch, seekOffset, seekPosition);
    while (cursor.offset < fromOffset) {
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

  private final class FileCursor implements Cursor {
    private final FileChannel ch;
    private final DataInputStream in;
    private long offset;

    FileCursor(FileChannel ch, long offset, long position) throws IOException {
      this.ch = ch;
      this.offset = offset;
      InputStream stream = Channels.newInputStream(ch.position(position));
      this.in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
    }

    @Override
    public LogRecord next() throws IOException {
      if (offset >= endOffset) {
        return null;
      }
      try {
        int len = in.readInt();
        int crc = in.readInt();
        long ts = in.readLong();
        byte[] payload = in.readNBytes(len);
        if (payload.length != len || crc != checksum(ts, payload)) {
          throw new IOException("Receive log " + file + ": record " + offset + " is corrupt (checksum mismatch)");
        }
        return new LogRecord(offset++, ts, new String(payload, StandardCharsets.UTF_8));
      } catch (EOFException e) {
        throw new IOException("Receive log " + file + " ends before record " + offset + " that it announced", e);
      }
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
