package dev.beamckpt.checkpoint.adapter.dataflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.adapter.dataflow.RestartDecision.Kind;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.runners.dataflow.DataflowJobs.JobState;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a start on Dataflow continues a location, from what the location and Dataflow say. */
class RestartDecisionTest {
  private static final String LOCATION = "gs://b/ckpt";

  private static Optional<RunInfo> run(String runner, String jobId) {
    return Optional.of(new RunInfo("run-1", runner, 1_700_000_000_000L, "pid 1", -1, null, jobId));
  }

  private static Optional<JobState> job(String id, String state) {
    return Optional.of(new JobState(id, "wc-1234", state));
  }

  private static Optional<SnapshotLog.Recorded> snapshot(String id, String jobId) {
    return Optional.of(new SnapshotLog.Recorded(id, jobId, "wc-1234", 1_700_000_100_000L, 7));
  }

  @Test
  void aNewLocationStartsANewJob() {
    assertEquals(Kind.FRESH, RestartDecision.decide(LOCATION, Optional.empty(), Optional.empty(), Optional.empty(), 0).kind());
  }

  @Test
  void aRunningJobIsReplacedEvenWhenASnapshotExists() {
    RestartDecision d = RestartDecision.decide(LOCATION, run("DataflowRunner", "j1"), job("j1", "JOB_STATE_RUNNING"),
        snapshot("s0", "j0"), 5);
    assertEquals(Kind.UPDATE, d.kind());
    assertEquals("j1", d.jobId());
  }

  @Test
  void anEndedJobContinuesFromTheSnapshotItsStopTook() {
    RestartDecision d = RestartDecision.decide(LOCATION, run("DataflowRunner", "j1"), job("j1", "JOB_STATE_DRAINED"),
        snapshot("s1", "j1"), 5);
    assertEquals(Kind.FROM_SNAPSHOT, d.kind());
    assertEquals("s1", d.snapshotId());
  }

  @Test
  void aJobThatEndedWithoutASnapshotIsRefusedSayingWhatWasFound() {
    RestartDecision d = RestartDecision.decide(LOCATION, run("DataflowRunner", "j2"), job("j2", "JOB_STATE_CANCELLED"),
        snapshot("s1", "j1"), 5);
    assertEquals(Kind.REFUSE, d.kind());
    assertTrue(d.refusal().contains("Dataflow job j2") && d.refusal().contains("JOB_STATE_CANCELLED")
        && d.refusal().contains("s1, was taken of an earlier job (j1)") && d.refusal().contains("new --checkpointLocation")
        && d.refusal().contains("--createFromSnapshot="), d.refusal());
    RestartDecision none = RestartDecision.decide(LOCATION, run("DataflowRunner", "j2"), Optional.empty(), Optional.empty(), 5);
    assertTrue(none.refusal().contains("unknown to Dataflow") && none.refusal().contains("no stop recorded a snapshot"),
        none.refusal());
  }

  @Test
  void stateKeptByAnotherRunnerIsRefused() {
    RestartDecision d = RestartDecision.decide(LOCATION, run("FlinkRunner", "flink-job"), Optional.empty(), Optional.empty(), 3);
    assertEquals(Kind.REFUSE, d.kind());
    assertTrue(d.refusal().contains("kept by FlinkRunner"), d.refusal());
  }
}
