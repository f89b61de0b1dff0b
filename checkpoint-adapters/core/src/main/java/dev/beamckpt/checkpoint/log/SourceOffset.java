package dev.beamckpt.checkpoint.log;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a batch ends in one source, in that source's own terms: opaque JSON to the core, as
 * Spark's OffsetSeq keeps each source's {@code Offset.json}. A line of {@code offsets/N} is the
 * offset's fields with the source id: {@code {"source":"0","endOffset":42}}. Sources replayed
 * from a receive log (every source today) record the log's exclusive end, a record count; a
 * source that replays by itself (Kafka partitions) would record its own fields.
 */
public record SourceOffset(String source, ObjectNode offset) {
  /** The field of a receive-log offset. */
  public static final String LOG_END = "endOffset";
  private static final String SOURCE = "source";

  public SourceOffset {
    if (offset.has(SOURCE)) {
      throw new IllegalArgumentException("A source's offset may not have a field named '" + SOURCE + "': " + offset);
    }
  }

  /** The offset of a source read through a receive log: the log's end after the batch. */
  public static SourceOffset ofLog(String source, long endOffset) {
    return new SourceOffset(source, JsonNodeFactory.instance.objectNode().put(LOG_END, endOffset));
  }

  /** The receive log's end this offset records (0 for an offset that is not a receive log's). */
  public long logEnd() {
    return offset.path(LOG_END).asLong(0);
  }

  /** For people: "up to record 42", or the source's own JSON. */
  public String describe() {
    return offset.has(LOG_END) && offset.size() == 1 ? "up to record " + logEnd() : offset.toString();
  }

  /** Equal when the JSON reads the same: 42 parsed (an int node) equals 42 built (a long node). */
  @Override
  public boolean equals(Object o) {
    return o instanceof SourceOffset other && source.equals(other.source) && offset.toString().equals(other.offset.toString());
  }

  @Override
  public int hashCode() {
    return source.hashCode() * 31 + offset.toString().hashCode();
  }

  @JsonValue
  ObjectNode json() {
    ObjectNode line = JsonNodeFactory.instance.objectNode().put(SOURCE, source);
    line.setAll(offset);
    return line;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static SourceOffset fromJson(ObjectNode line) {
    if (!line.path(SOURCE).isTextual()) {
      throw new IllegalArgumentException("the line names no source: " + line);
    }
    ObjectNode offset = line.deepCopy();
    return new SourceOffset(offset.remove(SOURCE).asText(), offset);
  }
}
