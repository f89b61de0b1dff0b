package dev.beamckpt.sdk.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleSinkTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  @Test
  void printsTheSeedsBatchInSparksFormat() {
    ConsoleSink.create().withTruncate(false).to(out).addBatch(1, OutputMode.COMPLETE, List.of("word", "count"),
        List.of(row("hello", 2L), row("spark", 1L), row("world", 1L)));
    assertEquals("""
        -------------------------------------------
        Batch: 1
        -------------------------------------------
        +-----+-----+
        |word |count|
        +-----+-----+
        |hello|2    |
        |spark|1    |
        |world|1    |
        +-----+-----+

        """, printed());
  }

  @Test
  void truncatingRightAlignsCutsCellsAndShowsTheTopRows() {
    List<TableRow> rows = new ArrayList<>();
    rows.add(row("a-word-much-longer-than-twenty", 9L));
    rows.add(row("b", 1L));
    rows.add(row("c", 1L));
    ConsoleSink.create().withNumRows(2).to(out).addBatch(7, OutputMode.UPDATE, List.of("word", "count"), rows);
    String printed = printed();
    assertTrue(printed.contains("|a-word-much-longe...|    9|\n|                   b|    1|\n+"), printed);
    assertTrue(printed.endsWith("only showing top 2 rows\n\n"), printed);
  }

  @Test
  void windowedRowsGetAWindowColumn() {
    ConsoleSink.create().withTruncate(false).to(out).addBatch(3, OutputMode.APPEND, List.of("word", "count"),
        List.of(new TableRow(0L, 600_000L, "hello", 2L)));
    String printed = printed();
    assertTrue(printed.contains("|window") && printed.contains("|word |count|"), printed);
    assertTrue(printed.matches("(?s).*\\|\\{\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:00, \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:00\\}\\|hello\\|2    \\|.*"),
        printed);
  }

  @Test
  void anEmptyBatchPrintsTheHeaderOnly() {
    ConsoleSink.create().to(out).addBatch(2, OutputMode.APPEND, List.of("word", "count"), List.of());
    assertTrue(printed().endsWith("+----+-----+\n|word|count|\n+----+-----+\n+----+-----+\n\n"), printed());
  }

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static TableRow row(String key, long value) {
    return new TableRow(null, null, key, value);
  }
}
