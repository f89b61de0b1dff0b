package dev.beamckpt.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real JobManager and TaskManager from Maven jars; the TaskManager SIGKILLed and restarted; what
 * {@link FlinkRest} reports for a job the JobManager does not know, and for a JobManager that is down.
 */
class FlinkSessionClusterTest {
  @TempDir Path dir;

  @Test
  void startsServesTheWebUiSurvivesATaskManagerKillAndStops() throws Exception {
    FlinkSessionCluster cluster = FlinkSessionCluster.start(dir);
    try {
      assertEquals(1, cluster.registeredTaskManagers());
      assertEquals("1.19.0", cluster.rest("/config").path("flink-version").asText());
      try (InputStream in = URI.create(cluster.webUrl() + "/").toURL().openStream()) {
        assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("Apache Flink Web Dashboard"));
      }
      IOException twice = assertThrows(IOException.class, () -> FlinkSessionCluster.start(dir));
      assertTrue(twice.getMessage().contains("is already running"), twice.getMessage());

      cluster.killTaskManager();
      assertFalse(cluster.taskManagerAlive());
      cluster.startTaskManager(); // returns once the new one has registered
      assertTrue(cluster.taskManagerAlive());
      cluster.awaitTaskManagers(1, Duration.ofSeconds(60)); // and the lost one is dropped by the heartbeat timeout

      // A JobManager asked about a job it does not know (as after its restart without high availability)
      FlinkRest.StatusException unknown = assertThrows(FlinkRest.StatusException.class,
          () -> new FlinkRest(cluster.master()).get("/jobs/0123456789abcdef0123456789abcdef"));
      assertEquals(404, unknown.status(), unknown.getMessage());

      FlinkSessionCluster attached = FlinkSessionCluster.attach(dir).orElseThrow();
      assertEquals(cluster.master(), attached.master());
    } finally {
      cluster.stop();
    }
    assertFalse(cluster.jobManagerAlive());
    assertFalse(cluster.taskManagerAlive());
    IOException down = assertThrows(IOException.class, () -> new FlinkRest(cluster.master()).get("/jobs/overview"));
    assertFalse(down instanceof FlinkRest.StatusException, "a JobManager that is down answers nothing: " + down);
    assertTrue(FlinkSessionCluster.attach(dir).isEmpty());
  }
}
