package dev.beamckpt.checkpoint.state;

import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One file of a state store (Spark's HDFSBackedStateStore files): the rows of an operator, each an
 * encoded key and an encoded accumulator, in a versioned binary format with a CRC32 of everything
 * before it, so a torn or flipped file is recognised, never read as other rows.
 *
 * <pre>
 * "BKST" | int format | byte kind | long version | int header length | header (OffsetSeq JSON)
 *        | int rows | (int key length | key | int value length | value)* | long crc32
 * </pre>
 *
 * A delta holds the rows one batch changed, a snapshot every row at its version, both with the
 * batch's offsets, so a restore knows where in the receive log the version ends even after the
 * offsets log was purged. Changes are what one bundle of the operator changed, before the driver
 * assigns them to a version.
 */
public final class StateFile {
  public static final int FORMAT = 1;
  private static final byte[] MAGIC = "BKST".getBytes(StandardCharsets.US_ASCII);

  public enum Kind {
    DELTA('D'), SNAPSHOT('S'), CHANGES('C');

    private final char tag;

    Kind(char tag) {
      this.tag = tag;
    }

    static Kind of(int tag) throws IOException {
      for (Kind k : values()) {
        if (k.tag == tag) {
          return k;
        }
      }
      throw new Damaged("unknown kind '" + (char) tag + "'", null);
    }
  }

  /** A decoded file; {@code offsets} is null for changes. */
  public record Contents(Kind kind, long version, OffsetSeq offsets, Map<ByteBuffer, byte[]> rows) {}

  private StateFile() {}

  public static byte[] encode(Kind kind, long version, OffsetSeq offsets, Map<ByteBuffer, byte[]> rows) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + rows.size() * 24);
      DataOutputStream out = new DataOutputStream(bytes);
      out.write(MAGIC);
      out.writeInt(FORMAT);
      out.writeByte(kind.tag);
      out.writeLong(version);
      byte[] header = offsets == null ? new byte[0] : VersionedFormat.JSON.writeValueAsBytes(offsets);
      out.writeInt(header.length);
      out.write(header);
      out.writeInt(rows.size());
      for (Map.Entry<ByteBuffer, byte[]> row : rows.entrySet()) {
        ByteBuffer key = row.getKey().duplicate();
        out.writeInt(key.remaining());
        out.write(key.array(), key.arrayOffset() + key.position(), key.remaining());
        out.writeInt(row.getValue().length);
        out.write(row.getValue());
      }
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("Cannot encode a state file", e); // in memory: cannot happen
    }
  }

  /** Decodes a file or throws an IOException saying what is wrong with it (for the caller to name the file). */
  public static Contents decode(byte[] bytes) throws Damaged {
    if (bytes.length < MAGIC.length + 8) {
      throw new Damaged("the file is truncated (" + bytes.length + " bytes)");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes[i] != MAGIC[i]) {
        throw new Damaged("it is not a state file (it does not start with BKST)");
      }
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 8);
    long recorded = ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, bytes.length - MAGIC.length - 8));
    try {
      if (crc.getValue() != recorded) {
        throw new Damaged("its checksum does not match its contents (the file is truncated or damaged)");
      }
      int format = in.readInt();
      if (format > FORMAT) {
        throw new Damaged("it was written in state format " + format + " by a newer release; this release reads up to "
            + FORMAT + ". Upgrade to resume from this location.");
      }
      Kind kind = Kind.of(in.readByte());
      long version = in.readLong();
      byte[] header = readBytes(in);
      OffsetSeq offsets = header.length == 0 ? null : VersionedFormat.JSON.readValue(header, OffsetSeq.class);
      int count = in.readInt();
      Map<ByteBuffer, byte[]> rows = new HashMap<>(Math.max(16, count * 4 / 3 + 1));
      for (int i = 0; i < count; i++) {
        rows.put(ByteBuffer.wrap(readBytes(in)), readBytes(in));
      }
      if (in.available() > 0) {
        throw new Damaged(in.available() + " bytes follow the last row");
      }
      return new Contents(kind, version, offsets, rows);
    } catch (EOFException e) {
      throw new Damaged("the file is truncated (it ends inside its rows)", e);
    } catch (Damaged e) {
      throw e;
    } catch (IOException e) { // the header's JSON
      throw new Damaged("its header does not read: " + e.getMessage(), e);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > in.available()) {
      throw new Damaged("a length of " + length + " bytes runs past the end of the file");
    }
    byte[] b = new byte[length];
    in.readFully(b);
    return b;
  }

  /** What is wrong with a file that does not decode; the caller names the file. */
  public static final class Damaged extends IOException {
    Damaged(String problem, Throwable cause) {
      super(problem, cause);
    }

    Damaged(String problem) {
      super(problem);
    }
  }
}
