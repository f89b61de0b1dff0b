package dev.beamckpt.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Reads what a query left on disk: its receive log, its commits, its file sink output. */
final class Locations {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Locations() {}

  static List<LogRecord> receiveLog(Path location) throws IOException {
    return receiveLog(LocalStorage.at(location));
  }

  /** Source 0's receive log in any location (gs:// too): what is durable there now. */
  static List<LogRecord> receiveLog(CheckpointStorage location) throws IOException {
    return FileReceiveLog.readAll(location, "sources/0");
  }

  static Map<String, Long> wordCounts(List<LogRecord> records) {
    return wordCountsOfLines(records.stream().map(LogRecord::line).toList());
  }

  /** What the word count shows for {@code lines}. */
  static Map<String, Long> wordCountsOfLines(List<String> lines) {
    Map<String, Long> counts = new HashMap<>();
    for (String line : lines) {
      for (String w : line.split("\\s+")) {
        if (!w.isEmpty()) {
          counts.merge(w, 1L, Long::sum);
        }
      }
    }
    return counts;
  }

  /** What the latest commit covers: source 0's end offset and the batch's watermark. */
  record Committed(long batchId, long endOffset, long watermarkMs) {}

  static Optional<Committed> lastCommitted(Path location) throws IOException {
    return lastCommitted(LocalStorage.at(location));
  }

  static Optional<Committed> lastCommitted(CheckpointStorage location) throws IOException {
    Optional<Long> last = latest(location, "commits");
    if (last.isEmpty()) {
      return Optional.empty();
    }
    List<String> lines = new String(location.read("offsets/" + last.get()), StandardCharsets.UTF_8).lines().toList();
    long watermark = JSON.readTree(lines.get(1)).get("batchWatermarkMs").asLong();
    return Optional.of(new Committed(last.get(), JSON.readTree(lines.get(2)).get("endOffset").asLong(), watermark));
  }

  static long committedEnd(Path location) throws IOException {
    return lastCommitted(location).map(Committed::endOffset).orElse(0L);
  }

  /**
   * Waits until the receive log holds {@code marker} (a line sent last) and a commit covers it:
   * every line the query will ever get before the marker has then been processed. Returns the log.
   */
  static List<LogRecord> awaitCommittedThrough(Path location, String marker, QueryProcess query, Duration timeout)
      throws Exception {
    query.await("a commit covering '" + marker + "'", timeout, () -> find(location, marker)
        .map(r -> r.offset()).map(offset -> {
          try {
            return committedEnd(location) > offset;
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }).orElse(false));
    return receiveLog(location);
  }

  /**
   * Waits until the latest file of a word count's file sink counts {@code word}: the output then
   * reflects every line the receive log holds before it. Returns the receive log.
   */
  static List<LogRecord> awaitWordInOutput(Path location, Path output, String word, QueryProcess query, Duration timeout)
      throws Exception {
    return awaitWordInOutput(LocalStorage.at(location), output, word, query, timeout);
  }

  static List<LogRecord> awaitWordInOutput(CheckpointStorage location, Path output, String word, QueryProcess query,
      Duration timeout) throws Exception {
    query.await("the output to count '" + word + "'", timeout,
        () -> Files.isDirectory(output) && countsOf(fileSinkRows(output, true)).containsKey(word));
    return receiveLog(location);
  }

  /** The location's runs/ records, oldest first. */
  static List<Map<String, Object>> runs(Path location) throws IOException {
    List<Map<String, Object>> runs = new java.util.ArrayList<>();
    for (long n = 0; Files.exists(location.resolve("runs/" + n)); n++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> run = JSON.readValue(Files.readAllLines(location.resolve("runs/" + n)).get(1), Map.class);
      runs.add(run);
    }
    return runs;
  }

  static Optional<LogRecord> find(Path location, String line) throws IOException {
    if (!Files.isDirectory(location.resolve("sources/0"))) {
      return Optional.empty();
    }
    return receiveLog(location).stream().filter(r -> r.line().equals(line)).findFirst();
  }

  static Optional<Long> latest(Path dir) throws IOException {
    return latest(LocalStorage.at(dir), "");
  }

  /** The highest batch id in {@code dir} of a location ("commits"). */
  static Optional<Long> latest(CheckpointStorage location, String dir) throws IOException {
    return location.list(dir).stream().filter(n -> n.matches("\\d+")).map(Long::parseLong).max(Long::compare);
  }

  /** Rows of every part file of a JSON file sink, in batch order. */
  static List<Map<String, Object>> fileSinkRows(Path output, boolean lastFileOnly) throws IOException {
    List<Path> parts = fileSinkParts(output);
    if (lastFileOnly && !parts.isEmpty()) {
      parts = List.of(parts.get(parts.size() - 1));
    }
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (Path p : parts) {
      rows.addAll(fileSinkRows(p));
    }
    return rows;
  }

  /** A JSON file sink's part files (one per batch), in batch order. */
  static List<Path> fileSinkParts(Path output) throws IOException {
    try (Stream<Path> s = Files.list(output)) {
      return s.filter(p -> p.getFileName().toString().matches("part-\\d+\\.jsonl")).sorted().toList();
    }
  }

  /** The rows of one part file: one batch. */
  static List<Map<String, Object>> fileSinkRows(Path part) throws IOException {
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(part)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> row = JSON.readValue(line, Map.class);
      rows.add(row);
    }
    return rows;
  }

  static Map<String, Long> countsOf(List<Map<String, Object>> rows) {
    Map<String, Long> counts = new HashMap<>();
    rows.forEach(r -> counts.put((String) r.get("word"), ((Number) r.get("count")).longValue()));
    return counts;
  }
}
