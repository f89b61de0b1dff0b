package dev.beamckpt.checkpoint.adapter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.execution.Trigger;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkJobSettingsTest {
  private static final String RUN = "0123456789abcdef";
  @TempDir Path location;

  /** The URI the location's storage gives Flink for its state/. */
  private String state() throws java.io.IOException {
    return LocalStorage.at(location).runnerUri("state");
  }

  private static QuerySpec spec(String... args) {
    Pipeline p = Pipeline.create(PipelineOptionsFactory.fromArgs(args).create());
    return new QuerySpec(p, "wordcount", null, 100, Trigger.processingTime(Duration.ofSeconds(10)), null);
  }

  @Test
  void inProcessRestoreGoesThroughAGeneratedConfigDirectory() throws Exception {
    QuerySpec spec = spec("--runner=FlinkRunner", "--flinkMaster=[local]");
    FlinkRestorePoint restore = new FlinkRestorePoint("state/job/chk-4", location.resolve("state/job/chk-4").toUri(), 0);
    FlinkJobSettings job = FlinkJobSettings.apply(spec, state(), restore, RUN);

    FlinkPipelineOptions flink = spec.pipeline().getOptions().as(FlinkPipelineOptions.class);
    String conf = Files.readString(Path.of(flink.getFlinkConfDir(), "flink-conf.yaml"));
    assertTrue(conf.contains("execution.savepoint.path: " + restore.directory()), conf);
    assertTrue(conf.contains("state.checkpoints.num-retained: 3"), conf);
    assertTrue(conf.contains("rest.port: " + job.restAddress().split(":")[1]), conf);
    assertEquals("wordcount-01234567", flink.getJobName());
    assertEquals(10_000, flink.getCheckpointingInterval(), "checkpoints every trigger interval");
    assertEquals("filesystem", flink.getStateBackend());
    assertEquals(state(), flink.getStateBackendStoragePath());
    assertTrue(flink.getRetainExternalizedCheckpointsOnCancellation());
    assertTrue(ExperimentalOptions.hasExperiment(flink, "use_sdf_read"));
  }

  @Test
  void bundlesEndAtBarriersAndMetricsOffUnlessSetAndObjectsAreReused() throws Exception {
    QuerySpec defaults = spec("--runner=FlinkRunner", "--flinkMaster=[local]");
    FlinkJobSettings.apply(defaults, state(), null, RUN);
    FlinkPipelineOptions flink = defaults.pipeline().getOptions().as(FlinkPipelineOptions.class);
    assertEquals(10_000_000L, flink.getMaxBundleSize(), "only a stalled checkpoint's bundle reaches the limit");
    assertEquals(20_000L, flink.getMaxBundleTimeMills(), "twice the checkpoint interval: the barriers end bundles");
    assertTrue(flink.getObjectReuse());
    assertTrue(flink.getDisableMetrics());
    assertTrue(flink.getFinishBundleBeforeCheckpointing(), "bundles end before the barrier, so a batch is whole lines");

    QuerySpec chosen = spec("--runner=FlinkRunner", "--flinkMaster=[local]", "--maxBundleSize=500", "--maxBundleTimeMills=2000",
        "--disableMetrics=false", "--finishBundleBeforeCheckpointing=false");
    FlinkJobSettings.apply(chosen, state(), null, RUN);
    FlinkPipelineOptions own = chosen.pipeline().getOptions().as(FlinkPipelineOptions.class);
    assertEquals(500L, own.getMaxBundleSize(), "a user's bundle size wins");
    assertEquals(2000L, own.getMaxBundleTimeMills(), "a user's bundle time wins");
    assertFalse(own.getDisableMetrics(), "Beam metrics stay on when asked for");
    assertFalse(own.getFinishBundleBeforeCheckpointing(), "a user's choice wins");

    QuerySpec afterBarrier = spec("--runner=FlinkRunner", "--flinkMaster=[local]", "--finishBundleBeforeCheckpointing=false");
    FlinkJobSettings.apply(afterBarrier, state(), null, RUN);
    FlinkPipelineOptions late = afterBarrier.pipeline().getOptions().as(FlinkPipelineOptions.class);
    assertEquals(100_000L, late.getMaxBundleSize(), "barriers do not end bundles: bundles end on their own");
    assertEquals(100L, late.getMaxBundleTimeMills());

    QuerySpec beams = spec("--runner=FlinkRunner", "--flinkMaster=[local]", "--maxBundleSize=1000", "--maxBundleTimeMills=1000");
    FlinkJobSettings.apply(beams, state(), null, RUN);
    FlinkPipelineOptions beam = beams.pipeline().getOptions().as(FlinkPipelineOptions.class);
    assertEquals(1000L, beam.getMaxBundleSize(), "a user who gives Beam's default value gets it");
    assertEquals(1000L, beam.getMaxBundleTimeMills());
  }

  @Test
  void remoteRestoreUsesSavepointPath() throws Exception {
    QuerySpec spec = spec("--runner=FlinkRunner", "--flinkMaster=localhost:8081", "--stateBackend=rocksdb",
        "--checkpointingInterval=2000");
    FlinkRestorePoint restore = new FlinkRestorePoint("state/savepoints/savepoint-1", location.resolve("state/savepoints/savepoint-1").toUri(), 0);
    FlinkJobSettings job = FlinkJobSettings.apply(spec, state(), restore, RUN);

    FlinkPipelineOptions flink = spec.pipeline().getOptions().as(FlinkPipelineOptions.class);
    assertEquals("localhost:8081", job.restAddress());
    assertEquals(restore.directory().toString(), flink.getSavepointPath());
    assertEquals("rocksdb", flink.getStateBackend());
    assertEquals(2000, flink.getCheckpointingInterval(), "an explicit interval wins over the trigger");
    assertTrue(Files.readString(Path.of(flink.getFlinkConfDir(), "flink-conf.yaml")).contains("rest.retry.max-attempts: "
        + FlinkJobSettings.JOB_MANAGER_PATIENCE_SECONDS), "the client waits for a JobManager that comes back");
  }

  @Test
  void aUsersOwnJobManagerPatienceWins(@TempDir Path userConf) throws Exception {
    Files.writeString(userConf.resolve("flink-conf.yaml"), "rest.retry.max-attempts: 5\n");
    QuerySpec spec = spec("--runner=FlinkRunner", "--flinkMaster=localhost:8081", "--flinkConfDir=" + userConf);
    FlinkJobSettings.apply(spec, state(), null, RUN);

    String conf = Files.readString(Path.of(spec.pipeline().getOptions().as(FlinkPipelineOptions.class).getFlinkConfDir(),
        "flink-conf.yaml"));
    assertTrue(conf.contains("rest.retry.max-attempts: 5") && !conf.contains("rest.retry.max-attempts: "
        + FlinkJobSettings.JOB_MANAGER_PATIENCE_SECONDS), conf);
  }

  @Test
  void eventTimeWindowsRunUnlessBundlesFinishAfterTheBarrier() throws Exception {
    QuerySpec spec = spec("--runner=FlinkRunner");
    spec.pipeline().apply(Create.of(KV.of("a", 1), KV.of("b", 2)))
        .apply(Window.into(FixedWindows.of(org.joda.time.Duration.standardMinutes(10))))
        .apply(GroupByKey.create());
    FlinkJobSettings.apply(spec, state(), null, RUN);
    FlinkJobSettings.refuseEventTimeWindowsWithoutBarrierWatermarks(spec); // the adapter's default: they close

    QuerySpec late = spec("--runner=FlinkRunner", "--finishBundleBeforeCheckpointing=false");
    late.pipeline().apply(Create.of(KV.of("a", 1), KV.of("b", 2)))
        .apply(Window.into(FixedWindows.of(org.joda.time.Duration.standardMinutes(10))))
        .apply(GroupByKey.create());
    FlinkJobSettings.apply(late, state(), null, RUN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FlinkJobSettings.refuseEventTimeWindowsWithoutBarrierWatermarks(late));
    assertTrue(e.getMessage().contains("event-time windows (FixedWindows)")
        && e.getMessage().contains("Leave out --finishBundleBeforeCheckpointing=false"), e.getMessage());
  }

  @Test
  void unsupportedBackendAndForeignStoragePathAreRefused() {
    IllegalArgumentException backend = assertThrows(IllegalArgumentException.class, () -> FlinkJobSettings.apply(
        spec("--runner=FlinkRunner", "--stateBackend=hashmap"), state(), null, RUN));
    assertTrue(backend.getMessage().contains("use filesystem (heap state) or rocksdb"), backend.getMessage());
    IllegalArgumentException path = assertThrows(IllegalArgumentException.class, () -> FlinkJobSettings.apply(
        spec("--runner=FlinkRunner", "--stateBackendStoragePath=file:///elsewhere"), state(), null, RUN));
    assertTrue(path.getMessage().contains("Leave --stateBackendStoragePath out"), path.getMessage());
  }

  /** A killed query leaves its flink-conf.yaml folder behind; the next query removes it, and no live one's. */
  @Test
  void aKilledQuerysConfigurationFolderIsRemovedByTheNextQuery() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path left = Files.createDirectories(tmp.resolve("beamckpt-flink-conf-" + gone.pid() + "-1"));
    Files.writeString(left.resolve("flink-conf.yaml"), "rest.port: 1\n");
    Path live = Files.createDirectories(tmp.resolve("beamckpt-flink-conf-" + ProcessHandle.current().pid() + "-live"));
    Path created = FlinkJobSettings.newConfDir();
    try {
      assertFalse(Files.exists(left), "the folder of a process that is gone");
      assertTrue(Files.exists(live), "this live process's folder stays");
      assertTrue(created.getFileName().toString().startsWith("beamckpt-flink-conf-" + ProcessHandle.current().pid() + "-"));
    } finally {
      Files.deleteIfExists(live);
      Files.deleteIfExists(created);
    }
  }
}
