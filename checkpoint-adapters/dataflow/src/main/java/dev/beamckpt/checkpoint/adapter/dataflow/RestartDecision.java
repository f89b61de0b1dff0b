package dev.beamckpt.checkpoint.adapter.dataflow;

import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.runners.dataflow.DataflowJobs.JobState;
import java.time.Instant;
import java.util.Optional;

/**
 * How a start on Dataflow continues what the location holds, decided before anything is
 * submitted: Spark's "restart with the same checkpoint location" mapped onto Dataflow's tools.
 *
 * <ul>
 *   <li>nothing ran here yet: a new job;
 *   <li>the last run's job still runs: replace it ({@code --update}, same job name);
 *   <li>else the snapshot the last run's stop took: a new job from it ({@code --createFromSnapshot});
 *   <li>else refuse, saying what was found: a job that ended without a snapshot (cancelled or
 *       failed outside the query) left no state to continue from.
 * </ul>
 *
 * @param jobId the job an update replaces
 * @param snapshotId the snapshot a new job starts from
 * @param refusal why the query cannot continue here, and what to do
 */
record RestartDecision(Kind kind, String jobId, String snapshotId, String refusal) {
  enum Kind { FRESH, UPDATE, FROM_SNAPSHOT, REFUSE }

  /**
   * @param lastRun the location's newest run, if any
   * @param lastJob Dataflow's view of that run's job (empty: not a Dataflow run, or Dataflow does not know it)
   * @param latestSnapshot the newest snapshot a stop recorded
   * @param lastCommitted the newest committed batch (0: none)
   */
  static RestartDecision decide(String location, Optional<RunInfo> lastRun, Optional<JobState> lastJob,
      Optional<SnapshotLog.Recorded> latestSnapshot, long lastCommitted) {
    if (lastRun.isEmpty()) {
      return lastCommitted == 0 ? new RestartDecision(Kind.FRESH, null, null, null)
          : refuse(location + " holds " + lastCommitted + " committed batch(es) but no run record, so no Dataflow job"
              + " or snapshot holds their state.");
    }
    RunInfo run = lastRun.get();
    if (!"DataflowRunner".equals(run.runner())) {
      return refuse("The state of " + location + " was kept by " + run.runner() + " (run " + run.runId() + "); Dataflow"
          + " keeps state in its own jobs and snapshots and cannot take it over.");
    }
    if (lastJob.isPresent() && lastJob.get().isRunning()) {
      return new RestartDecision(Kind.UPDATE, lastJob.get().id(), null, null);
    }
    if (latestSnapshot.isPresent() && latestSnapshot.get().jobId().equals(run.runnerJobId())) {
      return new RestartDecision(Kind.FROM_SNAPSHOT, null, latestSnapshot.get().snapshotId(), null);
    }
    String job = "Dataflow job " + run.runnerJobId() + " (run of " + Instant.ofEpochMilli(run.startedAtMs()) + ") is "
        + lastJob.map(JobState::state).orElse("unknown to Dataflow (another project or region, or deleted)");
    String snapshot = latestSnapshot.map(s -> "; the newest snapshot recorded, " + s.snapshotId() + ", was taken of an"
        + " earlier job (" + s.jobId() + "), and starting from it would lose what the later job did")
        .orElse("; no stop recorded a snapshot (the job was cancelled, drained or failed outside the query)");
    return refuse(job + snapshot + ".");
  }

  private static RestartDecision refuse(String found) {
    return new RestartDecision(Kind.REFUSE, null, null, "Cannot continue the query on Dataflow: " + found
        + " To start it fresh, use a new --checkpointLocation (or delete this one); to start from a snapshot of your"
        + " choosing, pass --createFromSnapshot=<snapshot id> and it is used as given.");
  }
}
