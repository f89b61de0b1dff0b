package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.pipelines.WindowedWordCount;
import dev.beamckpt.pipelines.WordCount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A location a query cannot use is refused before anything runs, with a message that names the
 * location, what is wrong and what to do; and nothing in the location is lost.
 */
class LocationErrorsTest {
  private static final Duration EXIT = Duration.ofSeconds(90);
  @TempDir Path tmp;

  @Test
  void differentStatefulPipelineIsRefusedNamingBothQueries() throws Exception {
    Path location = tmp.resolve("ckpt");
    runWordCount(location, "hello world hello spark\n");

    QueryProcess other = QueryProcess.start(input("hello\n"), WindowedWordCount.class,
        "--checkpointLocation=" + location, "--trigger=availableNow");
    assertEquals(2, other.awaitExit(EXIT), other.stderr());
    String err = other.stderr();
    assertTrue(err.contains("Incompatible checkpoint metadata at " + location), err);
    assertTrue(err.contains("query 'wordcount'") && err.contains("this query 'windowed-wordcount'"), err);
    assertTrue(err.contains("give it its own --checkpointLocation") && err.contains("rm -rf " + location), err);
    assertEquals(List.of("1"), list(location.resolve("commits")), "the refused query wrote nothing");

    QueryProcess same = runWordCount(location, "hello\n");
    assertEquals(List.of(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "spark=1", "world=1"))),
        QueryProcess.batches(same.stdout()), "the location still resumes for its own query");
  }

  @Test
  void secondQueryOnALocationInUseFailsFastNamingTheHolder() throws Exception {
    Path location = tmp.resolve("ckpt");
    try (LineServer server = LineServer.start(0);
        QueryProcess first = QueryProcess.start(WordCount.class, "--port=" + server.port(),
            "--checkpointLocation=" + location, "--trigger=500 ms")) {
      server.send("hello");
      first.awaitStdout(s -> !QueryProcess.batches(s).isEmpty(), EXIT, "batch 1");

      QueryProcess second = QueryProcess.start(WordCount.class, "--port=" + server.port(),
          "--checkpointLocation=" + location, "--trigger=500 ms");
      assertEquals(2, second.awaitExit(EXIT), second.stderr());
      assertTrue(second.stderr().contains("is in use by another query (query 'wordcount', process " + first.pid() + "@"), second.stderr());
      assertTrue(second.stderr().contains("stop that query first"), second.stderr());
      first.assertAlive();
      first.stopGracefully(Duration.ofSeconds(60));
    }
  }

  @Test
  void truncatedLatestCommitIsNamedAndTheBatchRunsAgain() throws Exception {
    Path location = tmp.resolve("ckpt");
    runWordCount(location, "hello world hello spark\n");
    runWordCount(location, "hello spark streaming\n");
    truncate(location.resolve("commits/2"));

    QueryProcess third = runWordCount(location, "spark\n");
    String err = third.stderr();
    assertTrue(err.contains("commits/2") && err.contains("treating batch 2 as not committed: it will run again"), err);
    List<QueryProcess.ConsoleBatch> batches = QueryProcess.batches(third.stdout());
    assertEquals(new QueryProcess.ConsoleBatch(2, List.of("hello=3", "spark=2", "streaming=1", "world=1")), batches.get(0),
        "batch 2 runs again with the same offsets");
    assertEquals(new QueryProcess.ConsoleBatch(3, List.of("hello=3", "spark=3", "streaming=1", "world=1")),
        batches.get(batches.size() - 1), "and nothing is counted twice");
  }

  @Test
  void corruptCommittedOffsetsAreNamedAndNothingRuns() throws Exception {
    Path location = tmp.resolve("ckpt");
    runWordCount(location, "hello world\n");
    runWordCount(location, "hello\n");
    Path offsets = location.resolve("offsets/2");
    Files.writeString(offsets, "v1\n{\"batchWatermarkMs\": 0, \"batchTim");

    QueryProcess query = QueryProcess.start(input("more\n"), WordCount.class, "--checkpointLocation=" + location,
        "--trigger=availableNow");
    assertEquals(2, query.awaitExit(EXIT), query.stderr());
    String err = query.stderr();
    assertTrue(err.contains(offsets.toString()) || err.contains("offsets/2"), err);
    assertTrue(err.contains("Batch 2 was committed") && err.contains("Restore the file from a backup"), err);
    assertEquals(List.of(), QueryProcess.batches(query.stdout()));
    assertEquals(List.of("1", "2"), list(location.resolve("commits")), "the location is left as it was");
  }

  @Test
  void readOnlyLocationFailsWithAClearError() throws Exception {
    Path location = Files.createDirectories(tmp.resolve("ckpt"));
    ReadOnly readOnly = ReadOnly.make(location);
    try {
      QueryProcess query = QueryProcess.start(input("hello\n"), WordCount.class, "--checkpointLocation=" + location,
          "--trigger=availableNow");
      assertEquals(2, query.awaitExit(EXIT), query.stderr());
      assertTrue(query.stderr().contains("Checkpoint location " + location) && query.stderr().contains("is not writable"),
          query.stderr());
    } finally {
      readOnly.undo();
    }
  }

  private QueryProcess runWordCount(Path location, String text) throws Exception {
    QueryProcess q = QueryProcess.start(input(text), WordCount.class, "--checkpointLocation=" + location,
        "--trigger=availableNow");
    assertEquals(0, q.awaitExit(EXIT), q.stderr());
    return q;
  }

  private int inputs;

  private Path input(String text) throws IOException {
    return Files.writeString(tmp.resolve("input-" + (inputs++) + ".txt"), text);
  }

  private static List<String> list(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  /** A torn write: the first half of the file. */
  private static void truncate(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
  }

  /**
   * Makes a directory unwritable: by permissions, or for root (who ignores them) with the immutable
   * attribute. Skips the test only if neither works on this file system.
   */
  private record ReadOnly(Path dir, boolean immutable) {
    static ReadOnly make(Path dir) throws Exception {
      dir.toFile().setWritable(false, false);
      if (!writable(dir)) {
        return new ReadOnly(dir, false);
      }
      Process chattr = new ProcessBuilder("chattr", "+i", dir.toString()).redirectErrorStream(true).start();
      chattr.waitFor();
      Assumptions.assumeTrue(!writable(dir), "cannot make " + dir + " read-only here (root without chattr +i)");
      return new ReadOnly(dir, true);
    }

    void undo() throws Exception {
      if (immutable) {
        new ProcessBuilder("chattr", "-i", dir.toString()).start().waitFor();
      }
      dir.toFile().setWritable(true, false);
    }

    private static boolean writable(Path dir) {
      try {
        Files.delete(Files.createTempFile(dir, "probe", ""));
        return true;
      } catch (IOException e) {
        return false;
      }
    }
  }
}
