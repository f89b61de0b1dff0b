package dev.beamckpt.checkpoint.execution;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import java.util.List;
import java.util.Map;

/**
 * One batch's progress: the fields of Spark's StreamingQueryProgress that apply here.
 *
 * @param durationMs phases of the batch: latestOffset, walCommit, addBatch, commitOffsets,
 *     triggerExecution
 * @param eventTime the batch watermark ("watermark", ISO-8601)
 */
public record QueryProgress(
    String id,
    String runId,
    String name,
    String timestamp,
    long batchId,
    long numInputRows,
    double inputRowsPerSecond,
    double processedRowsPerSecond,
    Map<String, Long> durationMs,
    Map<String, String> eventTime,
    List<StateOperator> stateOperators,
    List<Source> sources,
    Sink sink) {

  public record StateOperator(long numRowsTotal, long numRowsUpdated) {}

  public record Source(
      String description, long startOffset, long endOffset, long numInputRows, String status, Map<String, Long> metrics) {}

  public record Sink(String description, long numOutputRows) {}

  public String json() {
    try {
      return VersionedFormat.JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public String prettyJson() {
    try {
      return VersionedFormat.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
