package dev.beamckpt.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.io.socket.log.FileReceiveLog;
import dev.beamckpt.io.socket.log.LogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    return FileReceiveLog.readAll(location.resolve("sources/0"));
  }

  static Map<String, Long> wordCounts(List<LogRecord> records) {
    Map<String, Long> counts = new HashMap<>();
    for (LogRecord r : records) {
      for (String w : r.line().split("\\s+")) {
        if (!w.isEmpty()) {
          counts.merge(w, 1L, Long::sum);
        }
      }
    }
    return counts;
  }

  /** The end offset of source 0 in the latest committed batch, if any. */
  static long committedEnd(Path location) throws IOException {
    Optional<Long> last = latest(location.resolve("commits"));
    if (last.isEmpty()) {
      return 0;
    }
    List<String> lines = Files.readAllLines(location.resolve("offsets/" + last.get()));
    return JSON.readTree(lines.get(2)).get("endOffset").asLong();
  }

  static Optional<Long> latest(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Long::parseLong).max(Long::compare);
    }
  }

  /** Rows of every part file of a JSON file sink, in batch order. */
  static List<Map<String, Object>> fileSinkRows(Path output, boolean lastFileOnly) throws IOException {
    List<Path> parts;
    try (Stream<Path> s = Files.list(output)) {
      parts = s.filter(p -> p.getFileName().toString().matches("part-\\d+\\.jsonl")).sorted().toList();
    }
    if (lastFileOnly && !parts.isEmpty()) {
      parts = List.of(parts.get(parts.size() - 1));
    }
    List<Map<String, Object>> rows = new java.util.ArrayList<>();
    for (Path p : parts) {
      for (String line : Files.readAllLines(p)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = JSON.readValue(line, Map.class);
        rows.add(row);
      }
    }
    return rows;
  }

  static Map<String, Long> countsOf(List<Map<String, Object>> rows) {
    Map<String, Long> counts = new HashMap<>();
    rows.forEach(r -> counts.put((String) r.get("word"), ((Number) r.get("count")).longValue()));
    return counts;
  }
}
