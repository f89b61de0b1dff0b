package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import dev.beamckpt.runners.flink.FlinkRest;
import dev.beamckpt.runners.flink.FlinkSessionCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word count with parallelism 2 on a cluster of two TaskManagers with one slot each, so its
 * tasks spread over two JVMs; TaskManagers, and in other tests the JobManager (with and without
 * high availability), are SIGKILLed mid-stream while lines flow (once each in CI, {@code
 * -Dcampaign.kills=N} times in the long form). The final counts equal the counts of every line in
 * the receive log, none twice, and every commit records how far the receive log was durable,
 * whichever JVM read the source and whichever delivered the batch.
 */
@Tag(Campaign.TAG)
class FlinkTwoTaskManagersTest {
  private static final int LINES_PER_SECOND = 1_000;
  @TempDir Path clusterDir;
  @TempDir Path tmp;
  private FlinkSessionCluster cluster;

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.stop();
    }
  }

  /**
   * TaskManagers SIGKILLed in turn while lines flow (one in CI, {@code -Dcampaign.kills=30} in the
   * long form), each at a random moment up to 2 s after a commit of the restored job, so kills land
   * mid-batch, mid-checkpoint and mid-commit; each time a new TaskManager is started and Flink
   * restores the job from its newest checkpoint. Only lines in the killed receiver's socket buffers
   * may be lost.
   */
  @Test
  void parallelismTwoOverTwoTaskManagersWithTaskManagersKilledKeepsCountsExact() throws Exception {
    int kills = Campaign.kills(1);
    Random random = new Random(67);
    cluster = FlinkSessionCluster.start(clusterDir, System.getProperty("java.class.path"), 2);
    assertEquals(2, cluster.registeredTaskManagers());
    // A trial takes a TaskManager's start, Flink's restart delay, a restore and a commit: Flink 1.19's
    // default exponential-delay restarts grow to a minute after ten or so failures (the long form's
    // 30 kills ran dry at 40 s a trial).
    List<String> lines = ZipfLines.generate((kills + 1) * 90 * LINES_PER_SECOND, 2_000, 1.1, 42);
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0)) {
      String[] args = queryArgs(server, location, output);
      PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      sender.start();
      LocalStorage storage = LocalStorage.at(location);
      long commitsAtRestore = 0;
      long lostBefore = 0;
      for (int kill = 0; kill < kills; kill++) {
        KillOracle.awaitCommitSince(commitsAtRestore, storage, query);
        Thread.sleep(random.nextInt(2_000)); // a random moment of the running job
        String jobId = String.valueOf(Locations.runs(location).get(0).get("runnerJobId"));
        long restoredBefore = restored(jobId);
        int taskManager = kill % 2;
        cluster.killTaskManager(taskManager);
        long logged = Locations.receiveLog(location).size();
        long written = server.linesSent();
        System.out.printf("TaskManager %d of 2 SIGKILLed (kill %d of %d): %d lines written to the socket, %d in the"
            + " log, %d lost by this kill at most (in flight)%n", taskManager, kill + 1, kills, written, logged,
            written - logged - lostBefore);
        lostBefore = written - logged;
        long started = System.nanoTime();
        cluster.startTaskManager(taskManager);
        query.await("Flink to restore job " + jobId, Duration.ofSeconds(180), () -> restored(jobId) > restoredBefore);
        commitsAtRestore = Locations.latest(storage, "commits").orElse(0L);
        System.out.printf("  restored %.1f s after the kill%n", (System.nanoTime() - started) / 1e9);
        query.assertAlive();
      }
      KillOracle.awaitCommitSince(commitsAtRestore, storage, query);
      sender.stop();
      long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
      long committedEnd = Locations.committedEnd(location);
      System.out.printf("[Flink, 2 TaskManagers, %d TaskManager SIGKILLs] %d lines sent, %d lost in flight, 0 doubled,"
          + " counts = receive log; the last commit records the log durable up to %d%n", kills, sender.sent(), lost,
          committedEnd);
      assertTrue(committedEnd > 0, "commits record how far the receive log was durable, though the source and the"
          + " committing step may run in different TaskManagers" + (committedEnd > 0 ? "" : diagnosis(location)));
    }
  }

  /**
   * The JobManager SIGKILLed mid-stream (one in CI, {@code -Dcampaign.kills=30} in the long form),
   * on a cluster without high availability: its job is gone with it. The query must say so and exit
   * non-zero rather than wait forever; once the JobManager is back, the same command resumes from
   * the newest checkpoint retained in the location, and the counts are exact. Lines keep flowing
   * throughout.
   */
  @Test
  void aJobManagerKilledMidStreamIsReportedAndTheSameCommandResumes() throws Exception {
    int kills = Campaign.kills(1);
    Random random = new Random(71);
    cluster = FlinkSessionCluster.start(clusterDir, System.getProperty("java.class.path"), 2);
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    // A trial takes about 90 s: the query notices the lost JobManager, which restarts, and the job resumes.
    List<String> lines = ZipfLines.generate((kills + 1) * 90 * LINES_PER_SECOND, 2_000, 1.1, 42);
    try (LineServer server = LineServer.start(0)) {
      String[] args = queryArgs(server, location, output);
      PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      sender.start();
      LocalStorage storage = LocalStorage.at(location);
      long commitsAtStart = 0;
      for (int kill = 0; kill < kills; kill++) {
        KillOracle.awaitCommitSince(commitsAtStart + 1, storage, query); // two commits by the running job
        Thread.sleep(random.nextInt(2_000)); // a random moment of the running job
        cluster.killJobManager();
        System.out.printf("JobManager SIGKILLed (kill %d of %d) after %d lines sent, %d in the log%n", kill + 1, kills,
            server.linesSent(), Locations.receiveLog(location).size());
        // Brought back at once, as a supervisor would: the query learns the job is gone without waiting
        // out its patience for an unreachable JobManager (90 s).
        cluster.startJobManager();
        int code = query.awaitExit(Duration.ofMinutes(4));
        assertNotEquals(0, code, "the query ends when its job is lost\n" + query.stderr());
        String error = query.stderr().lines().filter(l -> l.startsWith("Error: ")).findFirst().orElse("");
        assertTrue(error.contains(cluster.master()) && error.contains("start the query again with the same options"),
            "the error names the Flink cluster and how to resume:\n" + query.stderr());
        if (kill == 0) {
          System.out.println("[Flink, JobManager SIGKILL] the query said: " + error);
        }

        // The source's receiver lives in a TaskManager, which outlived the JobManager: it goes on logging lines.
        int runs = Locations.runs(location).size();
        QueryProcess resumed = QueryProcess.start(WordCount.class, args);
        query = resumed;
        resumed.await("the restart to record its run", Duration.ofSeconds(180),
            () -> Locations.runs(location).size() == runs + 1);
        String restoredFrom = String.valueOf(Locations.runs(location).get(runs).get("restoredFrom"));
        assertTrue(restoredFrom.matches("state/[0-9a-f]+/chk-\\d+"), "resumed from a retained checkpoint: "
            + restoredFrom);
        System.out.printf("  resumed from %s%n", restoredFrom);
        commitsAtStart = Locations.latest(storage, "commits").orElse(0L);
      }
      KillOracle.awaitCommitSince(commitsAtStart, storage, query);
      sender.stop();
      long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
      System.out.printf("[Flink, %d JobManager SIGKILLs] %d lines sent, %d lost in flight, 0 doubled, counts = receive"
          + " log%n", kills, sender.sent(), lost);
    }
  }

  /**
   * With ZooKeeper high availability a JobManager SIGKILLed mid-stream (one in CI, {@code
   * -Dcampaign.kills=30} in the long form) is not the query's end: the JobManager started again
   * takes the job back from ZooKeeper and restores it from its newest completed checkpoint, under
   * the same job id, while the query process waits for it and then reports its commits again. No
   * new run, no restart of the query; lines keep flowing throughout.
   */
  @Test
  void withHighAvailabilityAJobManagerKilledMidStreamIsRiddenOut() throws Exception {
    int kills = Campaign.kills(1);
    Random random = new Random(73);
    cluster = FlinkSessionCluster.start(clusterDir, System.getProperty("java.class.path"), 2, Map.of(), true);
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    List<String> lines = ZipfLines.generate((kills + 1) * 90 * LINES_PER_SECOND, 2_000, 1.1, 42);
    try (LineServer server = LineServer.start(0)) {
      int uiPort;
      try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        uiPort = free.getLocalPort();
      }
      String[] args = queryArgs(server, location, output, "--uiPort=" + uiPort);
      PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      sender.start();
      LocalStorage storage = LocalStorage.at(location);
      long commitsAtRestart = 0;
      for (int kill = 0; kill < kills; kill++) {
        KillOracle.awaitCommitSince(commitsAtRestart + 1, storage, query); // two commits by the running job
        Thread.sleep(random.nextInt(2_000)); // a random moment of the running job
        String jobId = String.valueOf(Locations.runs(location).get(0).get("runnerJobId"));
        cluster.killJobManager();
        long started = System.nanoTime();
        System.out.printf("JobManager SIGKILLed (kill %d of %d, high availability) after %d lines sent, %d in the log%n",
            kill + 1, kills, server.linesSent(), Locations.receiveLog(location).size());
        query.await("the query's status to say the JobManager does not answer", Duration.ofSeconds(30),
            () -> status(uiPort).contains("the JobManager at " + cluster.webUrl() + " does not answer"));
        cluster.startJobManager();
        commitsAtRestart = Locations.latest(storage, "commits").orElse(0L);
        KillOracle.awaitCommitSince(commitsAtRestart, storage, query);
        System.out.printf("  the same job committed again %.1f s after the kill%n", (System.nanoTime() - started) / 1e9);
        query.assertAlive();
        query.await("the query's status to say it runs again", Duration.ofSeconds(30),
            () -> status(uiPort).startsWith("Running as Flink job " + jobId));
        assertEquals(1, Locations.runs(location).size(), "the query rode the JobManager's restart out in its first run");
        assertEquals("RUNNING", cluster.rest("/jobs/" + jobId).path("state").asText(),
            "the JobManager took job " + jobId + " back from ZooKeeper");
      }
      sender.stop();
      long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
      System.out.printf("[Flink, high availability, %d JobManager SIGKILLs] %d lines sent, %d lost in flight, 0 doubled,"
          + " counts = receive log, one run throughout%n", kills, sender.sent(), lost);
    }
  }

  /**
   * The query process SIGKILLed on the cluster (one in CI, {@code -Dcampaign.kills=30} in the long
   * form): its job is detached from it and goes on reading and committing to the location. The
   * restart finds that job through {@code runs/}, stops it with a savepoint and resumes from the
   * savepoint, as Spark stops a query's active run when it restarts: one job at a time writes the
   * location (the old one holds both slots, so the new one could not even run beside it), and
   * nothing the old job received is lost or counted twice.
   */
  @Test
  void theRestartOfAKilledQueryStopsItsJobStillRunningOnTheCluster() throws Exception {
    long lost = restartTrials(79, new Ending() {
      @Override
      public void end(QueryProcess query, String jobId, int trial) throws Exception {
        query.kill();
        LocalStorage storage = LocalStorage.at(tmp.resolve("ckpt"));
        long committed = Locations.latest(storage, "commits").orElse(0L);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Locations.latest(storage, "commits").orElse(0L) <= committed) {
          assertTrue(System.nanoTime() < deadline, "the killed query's job goes on committing without it");
          Thread.sleep(100);
        }
        assertEquals("RUNNING", cluster.rest("/jobs/" + jobId).path("state").asText());
      }

      @Override
      public void restarted(QueryProcess restarted, String jobId, int trial) throws Exception {
        assertTrue(restarted.stderr().contains("the job of its previous run (Flink job " + jobId), restarted.stderr());
        assertEquals("SUCCEEDED", endedAs(jobId), "the old job was stopped with a savepoint");
        System.out.printf("Query SIGKILLed (kill %d); its job %s went on; the restart stopped it%n", trial + 1, jobId);
        if (trial == 0) {
          System.out.println("[Flink, query SIGKILLed, its job left running] the restart said: "
              + restarted.stderr().lines().filter(l -> l.contains("previous run")).findFirst().orElse(""));
        }
      }
    });
    System.out.printf("[Flink, %d query SIGKILLs with the job left running] %d lost in flight, 0 doubled, counts ="
        + " receive log%n", Campaign.kills(1), lost);
  }

  /**
   * The seed scenario's stop and restart, with lines flowing throughout (one stop in CI, {@code
   * -Dcampaign.kills=N} in the long form), on two TaskManagers at parallelism 2: Ctrl+C and SIGTERM
   * in turn stop the job with a savepoint, the receivers in the TaskManagers go on logging lines
   * while no job runs, and the restart resumes from the savepoint, perhaps reading in the other
   * TaskManager, whose receiver then takes the log over. Every logged line is counted once.
   */
  @Test
  void stopsAndRestartsWhileLinesFlowKeepCountsExact() throws Exception {
    long lost = restartTrials(83, (query, jobId, trial) -> {
      if (trial % 2 == 0) {
        query.interrupt(); // Ctrl+C
      } else {
        query.signal("TERM");
      }
      query.assertStoppedCleanly(Duration.ofSeconds(90));
      assertEquals("SUCCEEDED", endedAs(jobId), "the stop ended the job with a savepoint");
      System.out.printf("Query stopped with %s (stop %d) while lines flowed%n", trial % 2 == 0 ? "Ctrl+C" : "SIGTERM",
          trial + 1);
    });
    System.out.printf("[Flink, 2 TaskManagers, %d stops and restarts while lines flowed] %d lost in flight, 0 doubled,"
        + " counts = receive log%n", Campaign.kills(1), lost);
  }

  /** How a trial of {@link #restartTrials} ends the running query, and what its restart must show. */
  private interface Ending {
    void end(QueryProcess query, String jobId, int trial) throws Exception;

    default void restarted(QueryProcess restarted, String jobId, int trial) throws Exception {}
  }

  /**
   * The word count on the cluster while lines flow, ended by {@code ending} at a random moment after
   * a commit ({@code Campaign.kills(1)} times) and started again with the same command, which must
   * resume from a savepoint; then the oracle. Returns the lines lost in flight.
   */
  private long restartTrials(long seed, Ending ending) throws Exception {
    int trials = Campaign.kills(1);
    Random random = new Random(seed);
    cluster = FlinkSessionCluster.start(clusterDir, System.getProperty("java.class.path"), 2);
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    List<String> lines = ZipfLines.generate((trials + 1) * 60 * LINES_PER_SECOND, 2_000, 1.1, 42);
    try (LineServer server = LineServer.start(0)) {
      String[] args = queryArgs(server, location, output);
      PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      sender.start();
      LocalStorage storage = LocalStorage.at(location);
      long commitsAtStart = 0;
      for (int trial = 0; trial < trials; trial++) {
        KillOracle.awaitCommitSince(commitsAtStart, storage, query);
        Thread.sleep(random.nextInt(2_000)); // a random moment of the running job
        List<Map<String, Object>> runs = Locations.runs(location);
        String jobId = String.valueOf(runs.get(runs.size() - 1).get("runnerJobId"));
        ending.end(query, jobId, trial);

        query = QueryProcess.start(WordCount.class, args);
        QueryProcess restarted = query;
        restarted.await("the restart to record its run", Duration.ofSeconds(180),
            () -> Locations.runs(location).size() == runs.size() + 1);
        ending.restarted(restarted, jobId, trial);
        String restoredFrom = String.valueOf(Locations.runs(location).get(runs.size()).get("restoredFrom"));
        assertTrue(restoredFrom.startsWith("state/savepoints/savepoint-"), "resumed from a savepoint: " + restoredFrom);
        System.out.printf("  resumed from %s%n", restoredFrom);
        commitsAtStart = Locations.latest(storage, "commits").orElse(0L);
      }
      KillOracle.awaitCommitSince(commitsAtStart, storage, query);
      sender.stop();
      long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
      System.out.printf("  %d lines sent%n", sender.sent());
      return lost;
    }
  }

  /**
   * What the location and the cluster's logs say about finalized offsets, for a failure that has
   * shown up under CI load only (no offset recorded in any commit): the evidence to find its race.
   */
  private String diagnosis(Path location) {
    StringBuilder sb = new StringBuilder("\n  sources/0/finalized: ");
    try {
      Path finalized = location.resolve("sources/0/finalized");
      sb.append(java.nio.file.Files.exists(finalized) ? java.nio.file.Files.readString(finalized).strip() : "absent");
      try (java.util.stream.Stream<Path> logs = java.nio.file.Files.list(clusterDir)) {
        for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
          for (String line : java.nio.file.Files.readAllLines(log)) {
            if ((line.contains("dev.beamckpt") || line.toLowerCase(java.util.Locale.ROOT).contains("finaliz"))
                && sb.length() < 40_000) {
              sb.append("\n  ").append(log.getFileName()).append(": ").append(line);
            }
          }
        }
      }
    } catch (java.io.IOException e) {
      sb.append("(could not read: ").append(e.getMessage()).append(')');
    }
    return sb.toString();
  }

  /** The word count at parallelism 2 on the cluster, committing every 500 ms, writing files. */
  private String[] queryArgs(LineServer server, Path location, Path output, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("--runner=FlinkRunner", "--flinkMaster=" + cluster.master(),
        "--parallelism=2", "--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=500 ms",
        "--sink=files", "--output=" + output));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  /** The query's status message, from its monitoring page's JSON. */
  private static String status(int uiPort) throws Exception {
    HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://localhost:" + uiPort + "/api/v1/queries")).build(), HttpResponse.BodyHandlers.ofString());
    return new ObjectMapper().readTree(page.body()).path(0).path("status").path("message").asText();
  }

  /**
   * How Flink says the job ended ({@code SUCCEEDED}: stopped with a savepoint), or RUNNING. Not from
   * {@code /jobs/<id>}, which may show a job RUNNING for 3 s after it ended (Flink's REST cache).
   */
  private String endedAs(String jobId) throws Exception {
    return new FlinkRest(cluster.webUrl()).endedAs(jobId).orElse("RUNNING");
  }

  private long restored(String jobId) throws Exception {
    return cluster.rest("/jobs/" + jobId + "/checkpoints").path("counts").path("restored").asLong();
  }
}
