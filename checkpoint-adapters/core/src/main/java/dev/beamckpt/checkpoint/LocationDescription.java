package dev.beamckpt.checkpoint;

import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapters;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.QueryMetadata;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.log.FileReceiveLog;
import dev.beamckpt.checkpoint.source.log.RequiredEnd;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** The readable summary {@code checkpoint describe <location>} prints. */
public final class LocationDescription {
  private static final String INDENT = " ".repeat(23);

  private LocationDescription() {}

  public static String describe(String uri) throws IOException {
    return describe(uri, null);
  }

  /** @param options where the location's storage is and how to reach it (an endpoint), or null for the environment's */
  public static String describe(String uri, org.apache.beam.sdk.options.PipelineOptions options) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (CheckpointLocation loc = CheckpointLocation.readOnly(uri, options)) {
      QueryMetadata m = loc.metadata();
      line(sb, "Checkpoint location", loc.uri());
      line(sb, "Query", "'" + m.name() + "' (id " + m.id() + "), created " + Instant.ofEpochMilli(m.createdAtMs())
          + ", format v" + m.formatVersion());
      line(sb, "Fingerprint", m.fingerprint().substring(0, 16) + "... of:");
      m.statefulSteps().forEach(s -> sb.append(INDENT).append(s).append('\n'));

      TreeSet<Long> runIds = loc.runs().batchIds();
      if (runIds.isEmpty()) {
        line(sb, "Runs", "none");
      } else {
        line(sb, "Runs", runIds.size() + "");
        for (long id : runIds.tailSet(runIds.last() - 4, true).descendingSet()) { // the latest five
          RunInfo r = loc.runs().get(id).orElseThrow();
          sb.append("                       runs/").append(id).append(": ").append(r.runner()).append(", ")
              .append(r.process()).append(", started ").append(Instant.ofEpochMilli(r.startedAtMs()))
              .append(r.restoredFromBatch() > 0 ? ", resumed after batch " + r.restoredFromBatch() : ", fresh start")
              .append(r.restoredFrom() != null ? " from " + r.restoredFrom() : "")
              .append(r.runnerJobId() != null ? ", job " + r.runnerJobId() : "").append('\n');
        }
      }

      TreeSet<Long> offsetIds = loc.offsets().batchIds();
      TreeSet<Long> commitIds = loc.commits().batchIds();
      line(sb, "Retained batches", offsetIds.isEmpty() ? "none"
          : offsetIds.first() + ".." + offsetIds.last() + " (" + offsetIds.size() + " offsets, " + commitIds.size() + " commits)");
      describeLatest(sb, loc, offsetIds, commitIds);
      Map<String, String> logProblems = describeSources(sb, loc);
      describeState(sb, loc);
      line(sb, "In use", inUse(loc.storage()));
      line(sb, "Resumable", resumable(loc, logProblems.values()));
    }
    return sb.toString();
  }

  private static void describeLatest(StringBuilder sb, CheckpointLocation loc, TreeSet<Long> offsetIds, TreeSet<Long> commitIds) {
    try {
      if (!commitIds.isEmpty()) {
        long last = commitIds.last();
        CommitMetadata c = loc.commits().get(last).orElseThrow();
        line(sb, "Last commit", "batch " + last + " at " + Instant.ofEpochMilli(c.committedAtMs()) + ": "
            + c.numInputRows() + " input rows, " + c.numOutputRows() + " output rows");
      } else {
        line(sb, "Last commit", "none");
      }
      if (!offsetIds.isEmpty()) {
        long last = offsetIds.last();
        OffsetSeq seq = loc.offsets().get(last).orElseThrow();
        StringBuilder ends = new StringBuilder();
        for (SourceOffset s : seq.sources()) {
          ends.append("source ").append(s.source()).append(' ').append(s.describe()).append("; ");
        }
        line(sb, "Last offsets", "batch " + last + (commitIds.contains(last) ? "" : " (planned, not committed)") + ": " + ends
            + "watermark " + (seq.batchWatermarkMs() == Long.MIN_VALUE ? "none" : Instant.ofEpochMilli(seq.batchWatermarkMs())));
      }
    } catch (IOException e) {
      line(sb, "Latest batch", "unreadable: " + e.getMessage());
    }
  }

  /**
   * Checks each receive log once, against the newest readable batch: the logs in {@code sources/}
   * and those that batch names (a missing one is found without creating its directory). Returns
   * the problems by source id; describes every log it found.
   */
  private static Map<String, String> describeSources(StringBuilder sb, CheckpointLocation loc) throws IOException {
    TreeSet<String> ids = new TreeSet<>(loc.storage().list(CheckpointLocation.SOURCES));
    Optional<Map.Entry<Long, OffsetSeq>> newest = loc.offsets().latestReadable();
    newest.ifPresent(b -> b.getValue().sources().forEach(s -> ids.add(s.source())));
    if (ids.isEmpty()) {
      line(sb, "Sources", "none");
    }
    Map<String, String> problems = new LinkedHashMap<>();
    for (String id : ids) {
      RequiredEnd required = RequiredEnd.of(loc.storage(), id);
      String path = CheckpointLocation.sourcePath(id);
      if (loc.storage().list(path).isEmpty()) {
        if (required.offset() > 0) {
          problems.put(id, "receive log " + path + " is missing, but " + required.namedBy() + " records that a batch"
              + " read it up to record " + required.offset() + ". Restore it from a backup, or start over with a new"
              + " --checkpointLocation.");
          line(sb, "Source " + id, "MISSING: " + problems.get(id));
        }
        continue;
      }
      String extent;
      try {
        FileReceiveLog.Extent e = FileReceiveLog.check(loc.storage(), path, required);
        extent = "receive log " + human(e.bytes()) + " in " + path + ", records " + e.startOffset() + ".." + e.endOffset()
            + (e.tornTailBytes() > 0 ? ", a torn tail of " + e.tornTailBytes() + " bytes the next start truncates" : "");
      } catch (IOException e) {
        problems.put(id, e.getMessage());
        extent = "receive log in " + path + ", DAMAGED: " + e.getMessage();
      }
      line(sb, "Source " + id, extent);
    }
    return problems;
  }

  /** A line of the description: a label, its value, and indented lines under it. */
  public record Line(String label, String value, List<String> details) {}

  private static void describeState(StringBuilder sb, CheckpointLocation loc) throws IOException {
    if (!PipelineFingerprint.keepsState(loc.metadata().statefulSteps())) {
      line(sb, "State", "none: the query has no aggregation, grouping or stateful step; a restart restores no state"
          + " and resumes after the last committed batch's offsets");
      return;
    }
    boolean described = false;
    for (CheckpointAdapter adapter : CheckpointAdapters.all()) {
      for (Line l : adapter.describeState(loc)) {
        line(sb, l.label(), l.value());
        l.details().forEach(d -> sb.append(INDENT).append(d).append('\n'));
        described = true;
      }
    }
    if (!described) {
      List<String> entries = loc.storage().list(CheckpointLocation.STATE);
      line(sb, "State", entries.isEmpty() ? "none kept by a runner (the DirectRunner rebuilds state by replaying the"
          + " receive logs)" : String.join(", ", entries));
    }
  }

  private static String inUse(CheckpointStorage storage) {
    try {
      return storage.leaseHolder().map(holder -> "yes: " + holder).orElse("no");
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** @param logProblems what is wrong with receive logs the location's batches read: any one stops a resume */
  private static String resumable(CheckpointLocation loc, Collection<String> logProblems) {
    try {
      RecoveryPlan plan = RecoveryPlan.read(loc, false);
      if (!logProblems.isEmpty()) {
        return "no: " + logProblems.iterator().next();
      }
      List<String> notes = new ArrayList<>();
      for (CheckpointAdapter adapter : CheckpointAdapters.all()) {
        adapter.resumeNote(loc, plan).ifPresent(notes::add);
      }
      StringBuilder sb = new StringBuilder("yes: ");
      sb.append(notes.isEmpty() ? "the next run continues at batch " + plan.nextBatchId() : String.join("; ", notes));
      plan.warnings().forEach(w -> sb.append('\n').append(INDENT).append("note: ").append(w));
      return sb.toString();
    } catch (IOException e) {
      return "no: " + e.getMessage();
    }
  }

  /** A size for people: "4.2 MiB". */
  public static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    if (bytes < 1024 * 1024) {
      return String.format("%.1f KiB", bytes / 1024.0);
    }
    return String.format("%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static void line(StringBuilder sb, String label, String value) {
    sb.append(String.format("%-22s %s%n", label + ":", value));
  }
}
