package dev.beamckpt.sdk.ui;

import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.sdk.StreamingQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The queries' latest figures in Prometheus' text exposition format (version 0.0.4): one gauge
 * family per figure, a sample per query labelled with its name and id. Spark reports the same
 * figures through its metrics system once {@code spark.sql.streaming.metricsEnabled} is set.
 */
final class PrometheusText {
  private final Map<String, Family> families = new LinkedHashMap<>();

  private record Family(String help, List<String> samples) {}

  private PrometheusText() {}

  static String of(List<StreamingQuery> queries, CheckpointSizes sizes) {
    PrometheusText t = new PrometheusText();
    for (StreamingQuery q : queries) {
      String labels = "query=\"" + escape(q.name()) + "\",id=\"" + escape(q.id()) + "\"";
      t.add("beamckpt_query_active", "1 while the query runs, 0 once it stopped or failed", labels, q.isActive() ? 1 : 0);
      long bytes = sizes.of(q);
      if (bytes >= 0) {
        t.add("beamckpt_checkpoint_size_bytes", "Bytes under the query's checkpoint location (measured at most every"
            + " " + CheckpointSizes.MAX_AGE_MS / 1000 + " s)", labels, bytes);
      }
      QueryProgress p = q.lastProgress();
      if (p == null) {
        continue;
      }
      t.add("beamckpt_query_batch_id", "The last committed batch", labels, p.batchId());
      t.add("beamckpt_query_input_rows", "Rows the last batch read", labels, p.numInputRows());
      t.add("beamckpt_query_input_rows_per_second", "The last batch's rows over the time since the batch before",
          labels, p.inputRowsPerSecond());
      t.add("beamckpt_query_processed_rows_per_second", "The last batch's rows over its own duration", labels,
          p.processedRowsPerSecond());
      p.durationMs().forEach((phase, ms) -> t.add("beamckpt_query_duration_ms",
          "The last batch's time per phase (latestOffset, walCommit, addBatch, commitOffsets, triggerExecution)",
          labels + ",phase=\"" + escape(phase) + "\"", ms));
      long writeMs = p.durationMs().getOrDefault("walCommit", 0L) + p.durationMs().getOrDefault("commitOffsets", 0L);
      t.add("beamckpt_checkpoint_write_latency_ms", "The last batch's time writing its offsets and commit files",
          labels, writeMs);
      for (int i = 0; i < p.stateOperators().size(); i++) {
        String op = labels + ",operator=\"" + i + "\"";
        t.add("beamckpt_query_state_rows", "Rows in the operator's state", op, p.stateOperators().get(i).numRowsTotal());
        t.add("beamckpt_query_state_rows_updated", "Rows the last batch updated", op,
            p.stateOperators().get(i).numRowsUpdated());
      }
      String watermark = p.eventTime() == null ? null : p.eventTime().get("watermark");
      if (watermark != null) {
        t.add("beamckpt_query_watermark_seconds", "The batch watermark, seconds since the epoch", labels,
            Instant.parse(watermark).toEpochMilli() / 1000.0);
      }
      for (QueryProgress.Source s : p.sources()) {
        t.add("beamckpt_source_end_offset", "The record the last batch read the source up to", labels
            + ",source=\"" + escape(s.description()) + "\"", s.endOffset());
      }
      if (p.sink() != null) {
        t.add("beamckpt_sink_output_rows", "Rows the last batch wrote to the sink", labels, p.sink().numOutputRows());
      }
    }
    StringBuilder sb = new StringBuilder();
    t.families.forEach((name, f) -> {
      sb.append("# HELP ").append(name).append(' ').append(f.help()).append('\n');
      sb.append("# TYPE ").append(name).append(" gauge\n");
      f.samples().forEach(s -> sb.append(name).append(s).append('\n'));
    });
    return sb.toString();
  }

  private void add(String name, String help, String labels, double value) {
    String formatted = value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%s", value);
    families.computeIfAbsent(name, n -> new Family(help, new ArrayList<>())).samples()
        .add("{" + labels + "} " + formatted);
  }

  /** Label values escape backslash, double quote and newline. */
  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
