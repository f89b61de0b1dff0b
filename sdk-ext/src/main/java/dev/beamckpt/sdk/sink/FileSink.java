package dev.beamckpt.sdk.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.table.TableRow;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;

/**
 * Writes each batch to {@code <dir>/part-<batch>.jsonl} or {@code .avro}, exactly once by batch id:
 * the file appears atomically (temp file, then link), and a batch that re-runs after a crash finds
 * its file and leaves it alone. In complete mode each file holds the whole result table.
 */
public final class FileSink implements Sink {
  public enum Format { JSON, AVRO }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String dir; // a String: Path is not Serializable
  private final Format format;

  private FileSink(Path dir, Format format) {
    this.dir = dir.toString();
    this.format = format;
  }

  public static FileSink json(Path dir) {
    return new FileSink(dir, Format.JSON);
  }

  public static FileSink avro(Path dir) {
    return new FileSink(dir, Format.AVRO);
  }

  public static Format parseFormat(String text) {
    try {
      return Format.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--fileFormat=" + text + ": file format '" + text + "' is not supported: use json"
          + " or avro.");
    }
  }

  public static FileSink of(Path dir, Format format) {
    return new FileSink(dir, format);
  }

  /** The file that holds (or will hold) a batch's output. */
  public Path fileOf(long batchId) {
    return Path.of(dir).resolve(String.format("part-%05d.%s", batchId, format == Format.JSON ? "jsonl" : "avro"));
  }

  @Override
  public String description() {
    return "FileSink[" + dir + ", " + format.name().toLowerCase(Locale.ROOT) + "]";
  }

  /** Spark's file sink needs a checkpoint location for the same reason. */
  @Override
  public String whyItNeedsALocation() {
    return "it writes each batch's file once, by batch id, and without a location every run numbers its batches from"
        + " 1 again: the files an earlier run left in " + dir + " would silently stand in for the new ones";
  }

  @Override
  public void addBatch(long batchId, OutputMode mode, List<String> columns, List<TableRow> rows) throws IOException {
    Path target = fileOf(batchId);
    if (Files.exists(target)) {
      return; // written before a crash: exactly once
    }
    Files.createDirectories(Path.of(dir));
    Path tmp = Path.of(dir).resolve("." + target.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      if (format == Format.JSON) {
        writeJson(out, columns, rows);
      } else {
        writeAvro(out, columns, rows);
      }
    }
    try {
      Files.createLink(target, tmp);
    } catch (FileAlreadyExistsException e) {
      // another attempt of the same batch won; its content is the same
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void writeJson(OutputStream out, List<String> columns, List<TableRow> rows) throws IOException {
    for (TableRow row : rows) {
      out.write(JSON.writeValueAsString(Cells.of(row, columns)).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
  }

  private static void writeAvro(OutputStream out, List<String> columns, List<TableRow> rows) throws IOException {
    Schema schema = avroSchema(columns, rows.isEmpty() ? null : rows.get(0).value());
    try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(new GenericDatumWriter<>(schema))) {
      writer.create(schema, out);
      for (TableRow row : rows) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("window_start", row.windowStartMs());
        r.put("window_end", row.windowEndMs());
        r.put(columns.get(0), String.valueOf(row.key()));
        if (columns.size() > 1) {
          r.put(columns.get(1), avroValue(schema.getField(columns.get(1)).schema().getType(), row.value()));
        }
        writer.append(r);
      }
    }
  }

  private static Object avroValue(Schema.Type type, Object value) {
    return switch (type) {
      case LONG -> ((Number) value).longValue();
      case DOUBLE -> ((Number) value).doubleValue();
      default -> String.valueOf(value);
    };
  }

  static Schema avroSchema(List<String> columns, Object sampleValue) {
    SchemaBuilder.FieldAssembler<Schema> f = SchemaBuilder.record("ResultRow").namespace("dev.beamckpt").fields()
        .optionalLong("window_start").optionalLong("window_end").requiredString(columns.get(0));
    if (columns.size() == 1) {
      return f.endRecord();
    }
    if (sampleValue instanceof Long || sampleValue instanceof Integer) {
      return f.requiredLong(columns.get(1)).endRecord();
    }
    if (sampleValue instanceof Double || sampleValue instanceof Float) {
      return f.requiredDouble(columns.get(1)).endRecord();
    }
    return f.requiredString(columns.get(1)).endRecord();
  }
}
