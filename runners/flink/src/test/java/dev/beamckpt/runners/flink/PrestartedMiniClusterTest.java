package dev.beamckpt.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real mini cluster started before its job, then running it; a second job gets Flink's own. */
class PrestartedMiniClusterTest {
  @TempDir Path confDir;

  private int restPort() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(confDir.resolve("flink-conf.yaml"),
        "rest.address: localhost\nrest.bind-address: localhost\nrest.port: " + port + "\n");
    return port;
  }

  /** Whether the cluster's REST endpoint serves its overview (not while starting: 503, nor once stopped). */
  private static boolean answers(int port) {
    try (InputStream in = URI.create("http://localhost:" + port + "/overview").toURL().openStream()) {
      return new String(in.readAllBytes()).contains("taskmanagers");
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitAnswering(int port, boolean expected, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (answers(port) != expected) {
      assertTrue(System.currentTimeMillis() < deadline, what);
      Thread.sleep(50);
    }
  }

  private static long runJob(StreamExecutionEnvironment env) throws Exception {
    env.fromSequence(1, 1000).filter(n -> n % 2 == 0).addSink(new DiscardingSink<>());
    JobExecutionResult result = env.execute("prestarted");
    return result.getNetRuntime();
  }

  @Test
  void theClusterStartsBeforeTheJobRunsItAndStopsWithIt() throws Exception {
    int port = restPort();
    PrestartedMiniCluster prestarted = PrestartedMiniCluster.start(confDir.toString(), 1);
    awaitAnswering(port, true, "the cluster's REST endpoint never answered"); // before any job exists
    prestarted.useForThisThreadsJob();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    assertFalse(env instanceof LocalStreamEnvironment, "the context environment, not Flink's local one");
    assertTrue(runJob(env) >= 0);
    awaitAnswering(port, false, "the executor stops the cluster with its job");

    assertInstanceOf(LocalStreamEnvironment.class, StreamExecutionEnvironment.getExecutionEnvironment(),
        "used once: the next environment is Flink's usual one");
    prestarted.closeIfUnused(); // nothing left to close
  }

  @Test
  void aJobNeedingMoreSlotsGetsAClusterOfItsOwn() throws Exception {
    restPort();
    PrestartedMiniCluster prestarted = PrestartedMiniCluster.start(confDir.toString(), 1);
    prestarted.useForThisThreadsJob();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2); // the guess was one slot
    assertTrue(runJob(env) >= 0);
  }

  @Test
  void anUnusedClusterIsStopped() throws Exception {
    int port = restPort();
    PrestartedMiniCluster prestarted = PrestartedMiniCluster.start(confDir.toString(), 1);
    prestarted.closeIfUnused();
    prestarted.started().join();
    long deadline = System.currentTimeMillis() + 60_000;
    while (prestarted.running()) {
      assertTrue(System.currentTimeMillis() < deadline, "an unused cluster kept running");
      Thread.sleep(50);
    }
    awaitAnswering(port, false, "its REST endpoint closes");
    prestarted.useForThisThreadsJob();
    assertEquals(LocalStreamEnvironment.class, StreamExecutionEnvironment.getExecutionEnvironment().getClass());
  }
}
