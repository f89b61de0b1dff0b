package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.io.socket.LineServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The oracle of the kill tests, for a word count writing to a file sink: after the last kill, every
 * line the receive log holds is counted exactly once, and the log holds sent lines in order, none
 * twice. Lines sent and never logged (in the kernel's buffers, or received and not yet durable
 * when the process died) are the only ones that may be lost; they are measured.
 */
final class KillOracle {
  static final String END_MARKER = "end-of-stream-marker";

  private KillOracle() {}

  /**
   * Sends the end marker, waits until the output counts it, stops the query gracefully and checks
   * the oracle against the first {@code sentCount} of {@code lines}. Returns the lines lost.
   */
  static long finishAndCheck(LineServer server, List<String> lines, int sentCount, CheckpointStorage location,
      Path output, QueryProcess query) throws Exception {
    server.send(END_MARKER);
    assertTrue(server.awaitSent(sentCount + 1, 120, TimeUnit.SECONDS), "the server could not deliver every line");
    List<LogRecord> log = Locations.awaitWordInOutput(location, output, END_MARKER, query, Duration.ofMinutes(5));
    query.stopGracefully(Duration.ofSeconds(60));

    List<String> sent = new ArrayList<>(lines.subList(0, sentCount));
    sent.add(END_MARKER);
    assertNoLineTwice(sent, log);
    Map<String, Long> expected = Locations.wordCounts(log);
    Map<String, Long> actual = Locations.countsOf(Locations.fileSinkRows(output, true));
    assertEquals(expected, actual, "final counts must equal the counts of every line in the receive log");
    return server.linesSent() - log.size();
  }

  /** The log holds sent lines in order, each at most once: a subsequence of what was sent. */
  static void assertNoLineTwice(List<String> sent, List<LogRecord> log) {
    int i = 0;
    for (LogRecord r : log) {
      while (i < sent.size() && !sent.get(i).equals(r.line())) {
        i++;
      }
      assertTrue(i < sent.size(), "log record " + r.offset() + " is not the next sent line: duplicated or reordered");
      i++;
    }
  }

  /** Waits until the running query commits a batch after {@code before}. */
  static void awaitCommitSince(long before, CheckpointStorage location, QueryProcess query) throws Exception {
    query.await("a commit by the running query", Duration.ofSeconds(120),
        () -> Locations.latest(location, "commits").orElse(0L) > before);
  }
}
