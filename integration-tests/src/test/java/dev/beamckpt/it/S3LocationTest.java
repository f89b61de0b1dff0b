package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.s3.MotoServer;
import dev.beamckpt.pipelines.WordCount;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint locations on S3, against a real moto server process, with queries in their own JVMs. */
class S3LocationTest {
  @TempDir Path tmp;
  private MotoServer moto;
  private String endpoint;

  @BeforeEach
  void startEmulator() throws Exception {
    MotoServer.useTestCredentials();
    moto = MotoServer.start(tmp.resolve("moto"));
    moto.createBucket("your-bucket");
    endpoint = "--s3Endpoint=" + moto.endpoint();
  }

  @AfterEach
  void stopEmulator() throws Exception {
    moto.close();
  }

  /** The seed's scenario with its own spelling, {@code s3a://your-bucket/checkpoints/word_count}. */
  @Test
  void countsContinueAfterStopAndRestart() throws Exception {
    String location = "s3a://your-bucket/checkpoints/word_count";
    SeedScenarioTest.seedScenario(MotoServer.JVM_CREDENTIALS, location, endpoint);
    PipelineOptions options = PipelineOptionsFactory.fromArgs(endpoint).create();
    String described = LocationDescription.describe(location, options);
    assertTrue(described.contains("Retained batches:      1..2 (2 offsets, 2 commits)"), described);
    assertTrue(described.contains("In use:                no\n"), described);
    assertEquals(2L, Storages.forLocation(location, options).list("sources/0").stream().filter(n -> n.endsWith(".log")).count(),
        "one sealed segment per run: a segment is sealed when its query stops");
  }

  /**
   * The same on Flink in-process: its checkpoints and the stop's savepoint go to the bucket through
   * Flink's S3 filesystem (a plugin), and the restart restores the savepoint from there.
   */
  @Test
  void countsContinueAfterStopAndRestartOnFlink() throws Exception {
    String location = "s3a://your-bucket/checkpoints/word_count_flink";
    SeedScenarioTest.seedScenario(MotoServer.JVM_CREDENTIALS, location, "--runner=FlinkRunner", endpoint);
    String described = LocationDescription.describe(location, PipelineOptionsFactory.fromArgs(endpoint).create());
    assertTrue(described.contains("                       state/savepoints/savepoint-"), described);
    assertTrue(described.contains("runs/1: FlinkRunner") && described.contains("resumed after batch 1 from"
        + " state/savepoints/savepoint-"), described);
  }
}
