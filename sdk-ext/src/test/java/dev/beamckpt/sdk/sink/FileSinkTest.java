package dev.beamckpt.sdk.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
  private static final List<String> COLUMNS = List.of("word", "count");
  @TempDir Path dir;

  @Test
  void writesOneJsonLinesFilePerBatchAndNeverRewritesIt() throws IOException {
    FileSink sink = FileSink.json(dir);
    sink.addBatch(3, OutputMode.COMPLETE, COLUMNS, List.of(new TableRow(null, null, "hello", 2L)));
    // the same batch again, as after a crash between the sink and the commit
    sink.addBatch(3, OutputMode.COMPLETE, COLUMNS, List.of(new TableRow(null, null, "other", 9L)));
    assertEquals(List.of("{\"word\":\"hello\",\"count\":2}"), Files.readAllLines(dir.resolve("part-00003.jsonl")));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temp file left behind");
    }
  }

  @Test
  void rowsOfOneColumnKeepTheirOrderInJsonAndAvro() throws IOException {
    List<TableRow> lines = List.of(new TableRow(null, null, "zeta error", null), new TableRow(null, null, "alpha error", null));
    FileSink.json(dir).addBatch(1, OutputMode.APPEND, List.of("line"), lines);
    assertEquals(List.of("{\"line\":\"zeta error\"}", "{\"line\":\"alpha error\"}"),
        Files.readAllLines(dir.resolve("part-00001.jsonl")));
    FileSink avro = FileSink.avro(dir);
    avro.addBatch(1, OutputMode.APPEND, List.of("line"), lines);
    List<String> read = new ArrayList<>();
    try (DataFileReader<GenericRecord> r = new DataFileReader<>(avro.fileOf(1).toFile(), new GenericDatumReader<>())) {
      assertEquals(3, r.getSchema().getFields().size(), r.getSchema().toString());
      r.forEach(rec -> read.add(rec.get("line").toString()));
    }
    assertEquals(List.of("zeta error", "alpha error"), read);
  }

  @Test
  void windowedRowsCarryTheirWindow() throws IOException {
    FileSink.json(dir).addBatch(1, OutputMode.APPEND, COLUMNS, List.of(new TableRow(0L, 2_000L, "hello", 1L)));
    assertEquals(List.of("{\"window\":{\"start\":\"1970-01-01T00:00:00Z\",\"end\":\"1970-01-01T00:00:02Z\"},\"word\":\"hello\",\"count\":1}"),
        Files.readAllLines(dir.resolve("part-00001.jsonl")));
  }

  @Test
  void writesAvroWithTypedColumns() throws IOException {
    FileSink.avro(dir).addBatch(2, OutputMode.UPDATE, COLUMNS,
        List.of(new TableRow(null, null, "hello", 3L), new TableRow(0L, 10L, "spark", 1L)));
    List<String> rows = new ArrayList<>();
    try (DataFileReader<GenericRecord> reader =
        new DataFileReader<>(dir.resolve("part-00002.avro").toFile(), new GenericDatumReader<>())) {
      assertEquals("long", reader.getSchema().getField("count").schema().getName());
      reader.forEach(r -> rows.add(r.get("window_start") + "," + r.get("word") + "," + r.get("count")));
    }
    assertEquals(List.of("null,hello,3", "0,spark,1"), rows);
  }

  @Test
  void anUnknownFormatIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileSink.parseFormat("csv"));
    assertTrue(e.getMessage().contains("--fileFormat=csv: file format 'csv' is not supported: use json or avro"),
        e.getMessage());
  }
}
