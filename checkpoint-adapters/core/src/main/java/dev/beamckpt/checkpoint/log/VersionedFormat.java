package dev.beamckpt.checkpoint.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Spark's checkpoint file shape: a version line, then one JSON document per line. Readers refuse
 * versions newer than they know, so an old build never misreads a newer location.
 *
 * <p>Version 2 ends with a checksum line ({@code #crc32c=} and eight hex digits, over every byte
 * before it). Spark's files have none, and JSON does not notice a changed digit: an offset of
 * 2200 damaged into 2300 would replay the wrong records without a word. A CRC-32C detects every
 * change of up to four consecutive bytes, so a damaged or cut file is always an error naming it.
 * Version 1 files (no checksum) are still read.
 */
public final class VersionedFormat {
  public static final int VERSION = 2;
  private static final String CHECKSUM = "#crc32c=";
  public static final ObjectMapper JSON =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private VersionedFormat() {}

  public static byte[] write(List<?> documents) {
    StringBuilder sb = new StringBuilder("v").append(VERSION).append('\n');
    try {
      for (Object doc : documents) {
        sb.append(JSON.writeValueAsString(doc)).append('\n');
      }
    } catch (IOException e) {
      throw new IllegalStateException("Cannot serialize checkpoint file", e);
    }
    byte[] content = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] trailer = (CHECKSUM + crc32c(content, content.length) + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] file = Arrays.copyOf(content, content.length + trailer.length);
    System.arraycopy(trailer, 0, file, content.length, trailer.length);
    return file;
  }

  private static String crc32c(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return String.format("%08x", crc.getValue());
  }

  /** Returns the JSON lines after the version header, or throws with what is wrong. */
  public static List<String> read(byte[] bytes) throws IOException {
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isEmpty()) {
      throw new IOException("the file is empty");
    }
    if (!text.endsWith("\n")) {
      throw new IOException("the file is truncated (no final newline)");
    }
    String[] lines = text.split("\n");
    String header = lines[0];
    if (!header.matches("v\\d{1,6}")) {
      throw new IOException("the first line is '" + abbreviate(header) + "', expected a version like 'v1'");
    }
    int version = Integer.parseInt(header.substring(1));
    if (version > VERSION) {
      throw new IOException("it was written in format v" + version + " by a newer release; this release reads up to v" + VERSION
          + ". Upgrade to resume from this location.");
    }
    int docsEnd = lines.length;
    String last = lines[lines.length - 1];
    if (version >= 2) {
      if (!last.startsWith(CHECKSUM)) {
        throw new IOException("its last line is not the checksum line ('" + CHECKSUM + "...'): the file was cut short or"
            + " changed after it was written");
      }
      int contentLength = bytes.length - last.length() - 1; // the checksum line is ASCII
      if (!last.equals(CHECKSUM + crc32c(bytes, contentLength))) {
        throw new IOException("its checksum does not match its content: it was changed after it was written (by hand, or"
            + " by a disk error)");
      }
      docsEnd--;
    } else if (last.startsWith(CHECKSUM)) {
      throw new IOException("its first line says v1 but it ends with a checksum line, which v1 files have not: the first"
          + " line was changed after it was written");
    }
    List<String> docs = new ArrayList<>();
    for (int i = 1; i < docsEnd; i++) {
      docs.add(lines[i]);
    }
    return docs;
  }

  public static <T> T parse(String json, Class<T> type) throws IOException {
    try {
      return JSON.readValue(json, type);
    } catch (IOException e) {
      throw new IOException("a line is not valid " + type.getSimpleName() + " JSON: '" + abbreviate(json) + "'", e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
