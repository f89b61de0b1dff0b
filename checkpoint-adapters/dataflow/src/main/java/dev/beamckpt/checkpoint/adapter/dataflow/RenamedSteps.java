package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Dataflow finds a step's state by the step's name, so an update or a start from a snapshot loses
 * the state of a renamed step unless {@code --transformNameMapping} maps the old name to the new.
 * The fingerprint ignores names (a rename keeps the state's layout), so the names of the last
 * submitted job's sources and stateful steps are kept in {@code state/dataflow-step-names}, and a
 * restart whose steps are the same but named differently gets the mapping it needs.
 */
final class RenamedSteps {
  static final String PATH = CheckpointLocation.STATE + "/dataflow-step-names";

  /** The fingerprint's steps and their full names, in order. */
  record Recorded(List<String> steps, List<String> names) {}

  private RenamedSteps() {}

  static void record(CheckpointStorage storage, PipelineFingerprint submitted) throws IOException {
    storage.replace(PATH, VersionedFormat.write(List.of(new Recorded(submitted.steps(), submitted.stepNames()))));
  }

  /** Old name prefix → new, for every step renamed since the recorded job; empty if none or nothing recorded. */
  static Map<String, String> mapping(CheckpointStorage storage, PipelineFingerprint now) throws IOException {
    Map<String, String> mapping = new LinkedHashMap<>();
    if (!storage.exists(PATH)) {
      return mapping;
    }
    Recorded before = VersionedFormat.parse(VersionedFormat.read(storage.read(PATH)).get(0), Recorded.class);
    if (!before.steps().equals(now.steps()) || before.names().size() != now.stepNames().size()) {
      return mapping; // another layout: the fingerprint check refused it already
    }
    for (int i = 0; i < now.stepNames().size(); i++) {
      String[] old = before.names().get(i).split("/");
      String[] renamed = now.stepNames().get(i).split("/");
      int common = 0; // trailing path segments both share: what is inside the renamed composite
      while (common < Math.min(old.length, renamed.length) - 1
          && old[old.length - 1 - common].equals(renamed[renamed.length - 1 - common])) {
        common++;
      }
      String from = String.join("/", Arrays.copyOf(old, old.length - common));
      String to = String.join("/", Arrays.copyOf(renamed, renamed.length - common));
      if (!from.equals(to)) {
        mapping.put(from, to);
      }
    }
    return mapping;
  }
}
