package dev.beamckpt.checkpoint;

import dev.beamckpt.checkpoint.adapter.CheckpointAdapter;
import dev.beamckpt.checkpoint.adapter.CheckpointAdapters;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/** The readable summary {@code checkpoint describe <location>} prints. */
public final class LocationDescription {
  private static final String INDENT = " ".repeat(23);

  private LocationDescription() {}

  public static String describe(String uri) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (CheckpointLocation loc = CheckpointLocation.readOnly(uri)) {
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
      describeSources(sb, loc);
      describeState(sb, loc);
      line(sb, "In use", inUse(loc.storage()));
      line(sb, "Resumable", resumable(loc));
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
          ends.append("source ").append(s.source()).append(" up to record ").append(s.endOffset()).append("; ");
        }
        line(sb, "Last offsets", "batch " + last + (commitIds.contains(last) ? "" : " (planned, not committed)") + ": " + ends
            + "watermark " + (seq.batchWatermarkMs() == Long.MIN_VALUE ? "none" : Instant.ofEpochMilli(seq.batchWatermarkMs())));
      }
    } catch (IOException e) {
      line(sb, "Latest batch", "unreadable: " + e.getMessage());
    }
  }

  private static void describeSources(StringBuilder sb, CheckpointLocation loc) throws IOException {
    var names = loc.storage().list(CheckpointLocation.SOURCES);
    if (names.isEmpty()) {
      line(sb, "Sources", "none");
    }
    for (String id : names) {
      Path dir = loc.storage().localDirectory(CheckpointLocation.SOURCES + "/" + id);
      String extent;
      try {
        FileReceiveLog.Extent e = FileReceiveLog.check(dir, RequiredEnd.of(loc.storage(), id));
        extent = "records " + e.startOffset() + ".." + e.endOffset()
            + (e.tornTailBytes() > 0 ? ", a torn tail of " + e.tornTailBytes() + " bytes the next start truncates" : "");
      } catch (IOException e) {
        extent = "DAMAGED: " + e.getMessage();
      }
      line(sb, "Source " + id, "receive log " + human(size(dir)) + " in " + CheckpointLocation.SOURCES + "/" + id + ", "
          + extent);
    }
  }

  /** Every receive log the newest batch read from must hold what it read: else nothing can resume. */
  private static void checkReceiveLogs(CheckpointLocation loc) throws IOException {
    Optional<Long> last = loc.offsets().latestBatchId();
    if (last.isEmpty()) {
      return;
    }
    for (String id : sourcesOf(loc)) {
      RequiredEnd required = RequiredEnd.of(loc.storage(), id);
      String path = CheckpointLocation.SOURCES + "/" + id;
      if (!loc.storage().exists(path)) {
        throw new IOException("receive log " + path + " is missing, but " + required.namedBy() + " records that a"
            + " batch read it up to record " + required.offset() + ". Restore it from a backup, or start over with a new"
            + " --checkpointLocation.");
      }
      FileReceiveLog.check(loc.storage().localDirectory(path), required);
    }
  }

  /** The sources the newest readable batch names. */
  private static List<String> sourcesOf(CheckpointLocation loc) throws IOException {
    for (long batch : loc.offsets().batchIds().descendingSet()) {
      try {
        Optional<OffsetSeq> seq = loc.offsets().get(batch);
        if (seq.isPresent()) {
          return seq.get().sources().stream().map(SourceOffset::source).toList();
        }
      } catch (IOException e) {
        // an unreadable uncommitted batch: the one before it tells
      }
    }
    return List.of();
  }

  /** A line of the description: a label, its value, and indented lines under it. */
  public record Line(String label, String value, List<String> details) {}

  private static void describeState(StringBuilder sb, CheckpointLocation loc) throws IOException {
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
    try (CheckpointStorage.Lease lease = storage.acquireLease("checkpoint describe, " + LocalStorage.processDescription())) {
      return "no";
    } catch (LocalStorage.LocationInUseException e) {
      return "yes: " + e.getMessage();
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static String resumable(CheckpointLocation loc) {
    try {
      RecoveryPlan plan = RecoveryPlan.read(loc, false);
      checkReceiveLogs(loc);
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

  /** Disk usage of a directory tree, for people: "4.2 MiB". */
  public static String sizeOf(Path dir) throws IOException {
    return human(size(dir));
  }

  private static long size(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static String human(long bytes) {
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
