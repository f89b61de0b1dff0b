package dev.beamckpt.checkpoint.log;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Spark's checkpoint file shape: a version line ("v1"), then one JSON document per line. Readers
 * refuse versions newer than they know, so an old build never misreads a newer location.
 */
public final class VersionedFormat {
  public static final int VERSION = 1;
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
    return sb.toString().getBytes(StandardCharsets.UTF_8);
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
    if (!header.matches("v\\d+")) {
      throw new IOException("the first line is '" + abbreviate(header) + "', expected a version like 'v1'");
    }
    int version = Integer.parseInt(header.substring(1));
    if (version > VERSION) {
      throw new IOException("it was written in format v" + version + " by a newer release; this release reads up to v" + VERSION
          + ". Upgrade to resume from this location.");
    }
    List<String> docs = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
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
