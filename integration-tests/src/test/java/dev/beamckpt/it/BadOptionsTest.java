package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every option of the word count with a bad value, and locations a query must not use (issue 18,
 * part 7): each is refused with a message naming the option or the location and what to give
 * instead, exit code 2, and nothing written where the checkpoint would have gone. A relative
 * location and one with spaces are not bad: they work.
 */
class BadOptionsTest {
  private static final Duration EXIT = Duration.ofSeconds(90);
  @TempDir Path tmp;

  /** A bad option: the arguments and what the message must say. */
  private record Case(List<String> args, String says) {}

  private static Case of(String says, String... args) {
    return new Case(List.of(args), says);
  }

  @Test
  void everyBadOptionIsRefusedNamingItAndNothingIsWritten() throws Exception {
    List<Case> cases = List.of(
        of("--trigger", "--trigger=banana"),
        of("--trigger", "--trigger=-5 seconds"),
        of("--outputMode", "--outputMode=sideways"),
        of("--sink 'printer' is not a sink", "--sink=printer"),
        of("--sink=files needs --output", "--sink=files"),
        of("--fileFormat", "--sink=files", "--output=" + tmp.resolve("out"), "--fileFormat=xml"),
        of("--minBatchesToRetain", "--minBatchesToRetain=0"),
        of("--minBatchesToRetain=many is not valid: it takes a whole number", "--minBatchesToRetain=many"),
        of("--watermarkDelay", "--watermarkDelay=soon"),
        of("port", "--port=70000"),
        of("--port=abc is not valid: it takes a whole number", "--port=abc"),
        of("--runner", "--runner=Nope"),
        of("--stateBackend", "--runner=FlinkRunner", "--stateBackend=hashmap"),
        of("--updateFiringMillis", "--runner=FlinkRunner", "--updateFiringMillis=-5"),
        of("--receiveLogSyncMillis", "--receiveLogSyncMillis=-1"),
        of("--locationLeaseSeconds", "--locationLeaseSeconds=0"),
        of("--noSuchOption", "--noSuchOption=1"),
        of("'words' is not a subscription name", "--subscription=words"),
        of("name two inputs", "--port=9", "--subscription=projects/p/subscriptions/words"),
        of("exactly one of", "--subscription=projects/p/subscriptions/words", "--topic=projects/p/topics/words"),
        of("--trigger is given 2 times", "--trigger=1 second", "--trigger=2 seconds"));
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      Path location = tmp.resolve("ckpt-" + failures.size() + "-" + Math.abs(c.args().hashCode()));
      List<String> args = new ArrayList<>(List.of("--checkpointLocation=" + location));
      if (c.args().stream().noneMatch(a -> a.startsWith("--port") || a.startsWith("--subscription") || a.startsWith("--topic"))) {
        args.add("--port=9"); // never reached: the query must not start
      }
      args.addAll(c.args());
      QueryProcess query = QueryProcess.start(WordCount.class, args.toArray(String[]::new));
      int code;
      try {
        code = query.awaitExit(Duration.ofSeconds(30));
      } catch (AssertionError stillRunning) {
        query.kill();
        code = -1; // it started instead of being refused
      }
      String err = query.stderr();
      if (code != 2 || !err.contains(c.says()) || Files.exists(location)) {
        failures.add(c.args() + ": exit " + code + ", location " + (Files.exists(location) ? "written" : "untouched")
            + ", stderr: " + err.strip());
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " bad options were not refused cleanly:\n"
        + String.join("\n", failures));
  }

  @Test
  void aFileIsNotALocation() throws Exception {
    Path file = Files.writeString(tmp.resolve("notes.txt"), "my notes\n");
    QueryProcess query = QueryProcess.start(WordCount.class, "--port=9", "--checkpointLocation=" + file);
    assertEquals(2, query.awaitExit(EXIT), query.stderr());
    assertTrue(query.stderr().contains(file.toString()) && query.stderr().contains("is a file"), query.stderr());
    assertEquals("my notes\n", Files.readString(file), "the file is untouched");
  }

  @Test
  void anUnrelatedNonEmptyDirectoryIsNotALocation() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("photos"));
    Files.writeString(dir.resolve("holiday.jpg"), "jpeg");
    QueryProcess query = QueryProcess.start(WordCount.class, "--port=9", "--checkpointLocation=" + dir);
    assertEquals(2, query.awaitExit(EXIT), query.stderr());
    assertTrue(query.stderr().contains(dir.toString()) && query.stderr().contains("holiday.jpg")
        && query.stderr().contains("not a checkpoint location"), query.stderr());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(dir.resolve("holiday.jpg")), files.toList(), "nothing was written into it");
    }
  }

  @Test
  void aRelativeLocationAndOneWithSpacesWork() throws Exception {
    Path withSpaces = tmp.resolve("my checkpoints/word count");
    QueryProcess spaced = QueryProcess.start(input("hello world\n"), WordCount.class,
        "--checkpointLocation=" + withSpaces, "--trigger=availableNow");
    assertEquals(0, spaced.awaitExit(EXIT), spaced.stderr());
    assertTrue(Files.exists(withSpaces.resolve("commits/1")), "batch 1 committed under the path with spaces");

    Path relative = Path.of("target", "relative-location-" + System.nanoTime());
    QueryProcess rel = QueryProcess.start(input("hello\n"), WordCount.class, "--checkpointLocation=" + relative,
        "--trigger=availableNow");
    assertEquals(0, rel.awaitExit(EXIT), rel.stderr());
    assertTrue(Files.exists(relative.toAbsolutePath().resolve("commits/1")), "resolved against the working directory");
    assertFalse(rel.stderr().contains("Error"), rel.stderr());
  }

  private Path input(String text) throws Exception {
    return Files.writeString(Files.createTempFile(tmp, "stdin", ".txt"), text);
  }
}
