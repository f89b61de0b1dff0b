package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.pipelines.WordCount;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receive log that lost records the location's batches read is corruption: the query refuses to
 * start, naming the file and the record, changes nothing, and never lets new input stand in for
 * the lost lines; {@code describe} says the location cannot resume, and why.
 */
class ReceiveLogDamageTest {
  private static final Duration EXIT = Duration.ofSeconds(90);
  private static final int MAGIC = 8;
  private static final int HEADER = 16;
  @TempDir Path tmp;

  @Test
  void aFlippedLengthByteIsCorruptionNotATornTail() throws Exception {
    Path location = tmp.resolve("ckpt");
    List<String> lines = IntStream.range(0, 300).mapToObj(i -> "w" + (i % 7)).toList();
    runWordCount(location, String.join("\n", lines) + "\n");
    Path segment = location.resolve("sources/0/00000000000000000000.log");
    byte[] intact = Files.readAllBytes(segment);
    byte[] damaged = intact.clone();
    damaged[positionOf(intact, 150)] ^= 0x01; // the high byte of record 150's length: it now runs past the file's end
    Files.write(segment, damaged);

    QueryProcess refused = start(location, "w0\n");
    assertEquals(2, refused.awaitExit(EXIT), refused.stderr());
    String err = refused.stderr();
    assertTrue(err.contains("Receive log segment " + segment + " is damaged at record 150")
        && err.contains("offsets/1 of " + location + " records that a batch read the log up to record 300")
        && err.contains("restore the file from a backup"), err);
    assertTrue(!err.contains("truncating"), "nothing is repaired away: " + err);
    assertArrayEquals(damaged, Files.readAllBytes(segment), "the damaged segment is left as it was");
    assertEquals(List.of("1"), names(location.resolve("commits")), "nothing ran");
    assertTrue(LocationDescription.describe(location.toString())
        .contains("Resumable:             no: Receive log segment " + segment + " is damaged at record 150"));

    Files.write(segment, intact); // restored from a backup: the query continues with every record counted once
    QueryProcess resumed = runWordCount(location, "w0\n");
    List<QueryProcess.ConsoleBatch> batches = QueryProcess.batches(resumed.stdout());
    assertEquals(new QueryProcess.ConsoleBatch(2, List.of("w0=44", "w1=43", "w2=43", "w3=43", "w4=43", "w5=43", "w6=42")),
        batches.get(batches.size() - 1));
  }

  @Test
  void aMissingSourcesDirectoryIsRefusedAndNewInputNeverReplaysOldBatches() throws Exception {
    Path location = tmp.resolve("ckpt");
    runWordCount(location, "hello world hello spark\n");
    deleteTree(location.resolve("sources"));

    QueryProcess refused = start(location, "hello\nhello\nhello\nhello\n");
    assertEquals(2, refused.awaitExit(EXIT), refused.stderr());
    String err = refused.stderr();
    assertTrue(err.contains("Receive log " + location.resolve("sources/0") + " is missing")
        && err.contains("offsets/1 of " + location + " records that a batch read it up to record 1")
        && err.contains("new input must not stand in for them"), err);
    assertEquals(List.of(), QueryProcess.batches(refused.stdout()));
    assertEquals(List.of("1"), names(location.resolve("commits")), "nothing ran");
    String described = LocationDescription.describe(location.toString());
    assertTrue(described.contains("Resumable:             no: Receive log " + location.resolve("sources/0") + " is missing")
        || described.contains("Resumable:             no: receive log sources/0 is missing"), described);
  }

  private QueryProcess runWordCount(Path location, String text) throws Exception {
    QueryProcess q = start(location, text);
    assertEquals(0, q.awaitExit(EXIT), q.stderr());
    return q;
  }

  private int inputs;

  private QueryProcess start(Path location, String text) throws IOException {
    Path input = Files.writeString(tmp.resolve("input-" + (inputs++) + ".txt"), text);
    return QueryProcess.start(input, WordCount.class, "--checkpointLocation=" + location, "--trigger=availableNow");
  }

  /** The byte position of record {@code n} in a segment: after the magic, each record is a header and its payload. */
  private static int positionOf(byte[] segment, int n) {
    int pos = MAGIC;
    for (int i = 0; i < n; i++) {
      pos += HEADER + ByteBuffer.wrap(segment, pos, 4).getInt();
    }
    return pos;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
