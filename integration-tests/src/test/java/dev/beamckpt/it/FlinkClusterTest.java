package dev.beamckpt.it;

import dev.beamckpt.io.socket.ZipfLines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beamckpt.runners.flink.FlinkRest;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.checkpoint.source.log.LogRecord;
import dev.beamckpt.pipelines.WordCount;
import dev.beamckpt.runners.flink.FlinkSessionCluster;
import dev.beamckpt.runners.flink.PatchedRunnerClasses;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries submitted to a real Flink session cluster (a JobManager and a TaskManager JVM started
 * from Maven jars): the seed scenario, a TaskManager SIGKILLed mid-stream, and a job cancelled
 * and submitted again, all on one checkpoint location each.
 */
class FlinkClusterTest {
  private static final String END_MARKER = "end-of-stream-marker";
  @TempDir static Path clusterDir;
  @TempDir Path tmp;
  private static FlinkSessionCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = FlinkSessionCluster.start(clusterDir);
  }

  /**
   * A failed test's query leaves its job running on the shared cluster, holding the slots the next
   * test's query waits for: its process goes, then its job.
   */
  @AfterEach
  void cancelLeftoverJobs() throws Exception {
    QueryProcess.killLeftovers();
    if (cluster != null) {
      cluster.cancelUnfinishedJobs();
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.stop();
    }
  }

  @Test
  void seedScenarioOnTheCluster() throws Exception {
    seedScenario(cluster);
  }

  /**
   * A cluster with only Flink (and its libraries) on its class path, as a Flink distribution's
   * lib/ has: Beam and this project arrive in pipelines' shaded job jar.
   */
  @Test
  void seedScenarioOnAFlinkOnlyClusterWithTheJobJar(@TempDir Path bareDir) throws Exception {
    Path jobJar = Path.of(System.getProperty("jobJar"));
    assertTrue(Files.exists(jobJar), "the job jar is built by pipelines' package phase: " + jobJar);
    String classPath = FlinkSessionCluster.flinkOnlyClassPath();
    List<String> entries = List.of(classPath.split(File.pathSeparator));
    for (Class<?> c : List.of(Pipeline.class, FlinkRunner.class, WordCount.class, SocketIO.class)) {
      String jar = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      assertFalse(entries.contains(jar), c.getName() + " must come from the job jar, not the cluster: " + jar);
    }
    // The jar holds runners-flink's fixed runner classes, not Beam's (the shade filter).
    try (ZipFile jar = new ZipFile(jobJar.toFile())) {
      for (Class<?> patched : PatchedRunnerClasses.classes()) {
        String entry = patched.getName().replace('.', '/') + ".class";
        String bytes = new String(jar.getInputStream(jar.getEntry(entry)).readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(bytes.contains((String) patched.getField("PATCH").get(null)), "the job jar's " + entry + " is Beam's own");
      }
    }
    FlinkSessionCluster bare = FlinkSessionCluster.start(bareDir, classPath);
    try {
      seedScenario(bare, "--filesToStage=" + jobJar);
    } finally {
      bare.stop();
    }
  }

  private void seedScenario(FlinkSessionCluster on, String... extraArgs) throws Exception {
    Path location = tmp.resolve("word_count");
    seedScenario(on, List.of(), location.toString(), tmp.resolve("out"), extraArgs);
    List<Map<String, Object>> runs = Locations.runs(location);
    assertTrue(String.valueOf(runs.get(1).get("restoredFrom")).startsWith("state/savepoints/savepoint-"), runs.toString());
  }

  /**
   * The seed scenario on a cluster, where console output goes to the TaskManagers: counts are
   * read from the files sink in {@code output}. Batch 1, a graceful stop, a line while down, and
   * the restart's batch 2 continuing the counts.
   *
   * @param jvmArgs JVM options of the query processes (an emulator's credentials)
   */
  static void seedScenario(FlinkSessionCluster on, List<String> jvmArgs, String location, Path output,
      String... extraArgs) throws Exception {
    try (LineServer server = LineServer.start(0)) {
      List<String> argList = new ArrayList<>(List.of("--runner=FlinkRunner", "--flinkMaster=" + on.master(),
          "--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=1 second", "--sink=files",
          "--output=" + output));
      argList.addAll(List.of(extraArgs));
      String[] args = argList.toArray(String[]::new);
      QueryProcess first = QueryProcess.start(jvmArgs, null, WordCount.class, args);
      server.send("hello world hello spark");
      first.await("batch 1 written", Duration.ofSeconds(120), () -> Files.exists(output.resolve("part-00001.jsonl")));
      assertEquals(Map.of("hello", 2L, "spark", 1L, "world", 1L), Locations.countsOf(Locations.fileSinkRows(output, true)));
      // No wait for the client to leave: on a cluster the source's receiver lives in a TaskManager,
      // which outlives the stopped job and logs this line for the restart.
      first.stopGracefully(Duration.ofSeconds(90));

      server.send("hello spark streaming");
      QueryProcess second = QueryProcess.start(jvmArgs, null, WordCount.class, args);
      second.await("batch 2 written", Duration.ofSeconds(120), () -> Files.exists(output.resolve("part-00002.jsonl")));
      assertEquals(Map.of("hello", 3L, "spark", 2L, "streaming", 1L, "world", 1L),
          Locations.countsOf(Locations.fileSinkRows(output, true)));
      second.stopGracefully(Duration.ofSeconds(90));
      assertEquals(List.of("part-00001.jsonl", "part-00002.jsonl"), list(output));
    }
  }

  /**
   * The windowed count in append mode on the cluster at parallelism 2: a graceful restart, then
   * the TaskManager SIGKILLed mid-stream and a new one started (Flink restores the job from its
   * last checkpoint); each closed window written once, the last one with the socket idle.
   */
  @Test
  void windowedCountsAcrossARestartAndATaskManagerKill() throws Exception {
    WindowedAppendTest.scenario(tmp, new WindowedAppendTest.Crash() {
      @Override
      public QueryProcess crash(QueryProcess query, String[] args) throws Exception {
        cluster.killTaskManager();
        cluster.startTaskManager();
        return query;
      }

      /** The receiver lives in the TaskManager: it outlives a job's stop, and reconnects once restored. */
      @Override
      public int connections(int run) {
        return run < 3 ? 1 : 2;
      }
    }, "--runner=FlinkRunner", "--flinkMaster=" + cluster.master(), "--parallelism=2");
  }

  /**
   * 20,000 Zipf lines; the TaskManager is SIGKILLed a third of the way in and a new one started,
   * and Flink restores the job from its last checkpoint; two thirds in, the job is cancelled and
   * the query submitted again, resuming from the checkpoint Flink retained. The final counts
   * equal the counts of every line in the receive log.
   */
  @Test
  void taskManagerKillAndCancelledJobKeepCountsExact() throws Exception {
    List<String> lines = ZipfLines.generate(20_000, 2_000, 1.1, 42);
    Path location = tmp.resolve("ckpt");
    Path output = tmp.resolve("out");
    try (LineServer server = LineServer.start(0)) {
      String[] args = args(cluster, server, location, output, "500 ms");
      QueryProcess query = QueryProcess.start(WordCount.class, args);
      String jobId = null;
      int chunk = 100;
      for (int sent = 0; sent < lines.size(); sent += chunk) {
        server.sendAll(lines.subList(sent, Math.min(lines.size(), sent + chunk)));
        if (sent == 6_000) {
          jobId = awaitCommit(location, query);
          long restoredBefore = restoredCount(jobId);
          cluster.killTaskManager();
          System.out.printf("TaskManager SIGKILLed after %d lines queued, %d written to the socket, %d in the log%n",
              sent + chunk, server.linesSent(), Locations.receiveLog(location).size());
          cluster.startTaskManager();
          String job = jobId;
          query.await("Flink to restore job " + jobId, Duration.ofSeconds(120), () -> restoredCount(job) > restoredBefore);
          JsonNode restored = cluster.rest("/jobs/" + jobId + "/checkpoints").path("latest").path("restored");
          System.out.println("Flink restored checkpoint " + restored.path("id").asLong() + " from " + restored.path("external_path").asText());
          assertTrue(restored.path("external_path").asText().contains(location.resolve("state").toString()), restored.toString());
          assertFalse(restored.path("is_savepoint").asBoolean());
        }
        if (sent == 13_000) {
          awaitCommit(location, query);
          cancel(jobId);
          assertEquals(1, query.awaitExit(Duration.ofSeconds(60)), query.stderr());
          assertTrue(query.stderr().contains("Flink job " + jobId + " was cancelled outside the query")
              && query.stderr().contains("start the query again with the same options to resume"), query.stderr());
          query = QueryProcess.start(WordCount.class, args);
        }
        Thread.sleep(20);
      }
      server.send(END_MARKER);
      assertTrue(server.awaitSent(lines.size() + 1, 120, TimeUnit.SECONDS), "the server could not deliver every line");
      List<LogRecord> log = Locations.awaitWordInOutput(location, output, END_MARKER, query, Duration.ofMinutes(3));
      query.stopGracefully(Duration.ofSeconds(90));

      assertEquals(Locations.wordCounts(log), Locations.countsOf(Locations.fileSinkRows(output, true)),
          "final counts must equal the counts of every line in the receive log");
      List<Map<String, Object>> runs = Locations.runs(location);
      assertEquals(2, runs.size(), runs.toString());
      assertTrue(String.valueOf(runs.get(1).get("restoredFrom")).matches("state/" + jobId + "/chk-\\d+"), runs.toString());
      System.out.println("[Flink cluster] lines lost in flight at the TaskManager SIGKILL: " + (server.linesSent() - log.size()));
    }
  }

  private static String[] args(FlinkSessionCluster on, LineServer server, Path location, Path output, String trigger) {
    return new String[] {"--runner=FlinkRunner", "--flinkMaster=" + on.master(), "--port=" + server.port(),
        "--checkpointLocation=" + location, "--trigger=" + trigger, "--sink=files", "--output=" + output};
  }

  /** Waits for the running query to commit a batch; returns its Flink job id from runs/. */
  private static String awaitCommit(Path location, QueryProcess query) throws Exception {
    long before = Locations.latest(location.resolve("commits")).orElse(0L);
    query.await("a commit", Duration.ofSeconds(120), () -> Locations.latest(location.resolve("commits")).orElse(0L) > before);
    List<Map<String, Object>> runs = Locations.runs(location);
    return String.valueOf(runs.get(runs.size() - 1).get("runnerJobId"));
  }

  private static long restoredCount(String jobId) throws Exception {
    return cluster.rest("/jobs/" + jobId + "/checkpoints").path("counts").path("restored").asLong();
  }

  private static void cancel(String jobId) throws Exception {
    new FlinkRest(cluster.master()).cancel(jobId);
  }

  private static List<String> list(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }
}
