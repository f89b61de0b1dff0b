package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.runners.flink.FlinkRest;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a Flink cluster a query's job outlives the query's process: a query killed, or one that gave
 * up on an unreachable JobManager that high availability later brought back, leaves its job
 * running, still committing batches to the location. A second job on the same location would count
 * the same input twice. So, as Spark stops a query's active run when the query restarts on the
 * same checkpoint location ({@code spark.sql.streaming.stopActiveRunOnRestart}, on by default),
 * a restart on a cluster first stops the job of the location's latest run if that job is still
 * active there: with a savepoint in {@code state/savepoints}, which the restart then resumes from;
 * if no savepoint can be taken (the job is restarting), by cancelling it, so the restart resumes
 * from its newest retained checkpoint.
 *
 * <p>The location's lease already ensures that the query process of that run is gone: a live one
 * would hold it, and this query could not have opened the location.
 */
final class ActiveRunStop {
  private static final Logger LOG = LoggerFactory.getLogger(ActiveRunStop.class);
  private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration END_TIMEOUT = Duration.ofSeconds(60);

  private ActiveRunStop() {}

  /**
   * Stops the latest run's job if the cluster at {@code rest} still runs it; returns what was done,
   * for the query's log, or empty if there was nothing to stop.
   */
  static Optional<String> stopIfActive(String queryName, CheckpointLocation location, FlinkRest rest, String stateUri)
      throws IOException, InterruptedException {
    Optional<RunInfo> latest = location.runs().latest();
    if (latest.isEmpty() || latest.get().runnerJobId() == null || !"FlinkRunner".equals(latest.get().runner())) {
      return Optional.empty();
    }
    String jobId = latest.get().runnerJobId();
    String state;
    try {
      if (rest.endedAs(jobId).isPresent()) {
        return Optional.empty(); // e.g. stopped by its own query a moment ago, which /jobs/<id> may not show yet
      }
      state = rest.get("/jobs/" + jobId).path("state").asText();
    } catch (FlinkRest.StatusException unknown) {
      return Optional.empty(); // another cluster's job, or one this JobManager forgot: nothing runs it here
    } catch (IOException unreachable) {
      LOG.debug("Asking {} about the previous run's job {}: {}", rest.baseUrl(), jobId, unreachable.getMessage());
      return Optional.empty(); // the submission says why the cluster cannot be reached
    }
    String why = "Query '" + queryName + "': the job of its previous run (Flink job " + jobId + ", " + state
        + ") is still running on " + rest.baseUrl() + " and writing to " + location.uri() + "; ";
    if (rest.allTasksRunning(jobId)) {
      try {
        String savepoint = rest.stopWithSavepoint(jobId, stateUri + "/" + FlinkRestorePoint.SAVEPOINTS, SAVEPOINT_TIMEOUT);
        awaitEnd(rest, jobId);
        return Optional.of(why + "stopped it with savepoint " + savepoint + ", which this run resumes from");
      } catch (IOException e) {
        if (rest.endedAs(jobId).isPresent()) {
          return Optional.empty(); // it ended meanwhile, without this start
        }
        LOG.warn("{}stopping it with a savepoint failed ({}); cancelling it", why, e.getMessage());
      }
    }
    rest.cancel(jobId);
    awaitEnd(rest, jobId);
    return Optional.of(why + "cancelled it; this run resumes from its newest retained checkpoint");
  }

  private static void awaitEnd(FlinkRest rest, String jobId) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + END_TIMEOUT.toNanos();
    while (rest.endedAs(jobId).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IOException("Flink job " + jobId + ", of this query's previous run, did not end within "
            + END_TIMEOUT.toSeconds() + " s of being stopped; it still writes to the checkpoint location. Cancel it"
            + " in Flink's web UI (" + rest.baseUrl() + ") and start the query again.");
      }
      Thread.sleep(200);
    }
  }
}
