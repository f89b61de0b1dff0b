package dev.beamckpt.checkpoint.adapter.flink;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.execution.QuerySpec;
import dev.beamckpt.checkpoint.source.LogRetentions;
import dev.beamckpt.runners.flink.ClassPathEntry;
import dev.beamckpt.runners.flink.FlinkFileSystems;
import dev.beamckpt.runners.flink.FlinkRest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.ExperimentalOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PValue;

/**
 * Maps a query's location and trigger onto Flink: checkpoints every trigger interval (or
 * {@code --checkpointingInterval}) in exactly-once mode, stored in {@code state/}, retained on
 * cancel, {@code --retainedCheckpoints} of them kept; a restore point passed the way each master
 * takes it ({@code [local]} ignores {@code --savepointPath}, so it goes into a generated Flink
 * configuration directory, together with a REST port for the driver to watch the job).
 */
record FlinkJobSettings(String jobName, String restAddress, boolean local) {
  private static final Set<String> BACKENDS = Set.of("filesystem", "rocksdb");
  /** How long a query on a cluster waits for its JobManager to answer again before giving its job up. */
  static final int JOB_MANAGER_PATIENCE_SECONDS = 90;
  private static final long BUNDLE_SIZE = 100_000;
  private static final long BUNDLE_MILLIS = 100;
  private static final long BUNDLE_SIZE_BETWEEN_BARRIERS = 10_000_000;

  /** Whether the user gave {@code name}: Beam's display data holds only the options set, not defaults. */
  private static boolean explicitlySet(PipelineOptions options, String name) {
    return DisplayData.from(options).items().stream().anyMatch(item -> item.getKey().equals(name));
  }

  /** The state backend the options name, refused unless Beam can checkpoint it to a location. */
  static String stateBackend(FlinkPipelineOptions flink) {
    String backend = flink.getStateBackend() == null ? "filesystem" : flink.getStateBackend().toLowerCase(Locale.ROOT);
    if (!BACKENDS.contains(backend)) {
      throw new IllegalArgumentException("--stateBackend=" + flink.getStateBackend() + " is not a Flink state backend"
          + " Beam can checkpoint to a location: use filesystem (heap state) or rocksdb (state on local disk).");
    }
    return backend;
  }

  static FlinkJobSettings apply(QuerySpec spec, String stateUri, FlinkRestorePoint restore, String runId) throws IOException {
    FlinkPipelineOptions flink = spec.pipeline().getOptions().as(FlinkPipelineOptions.class);
    String jobName = spec.name() + "-" + runId.substring(0, 8);
    flink.setJobName(jobName);
    flink.setStreaming(true);
    // Beam 2.62's FlinkSource assigns splits twice after a restore (apache/beam#31313, fixed in
    // 2.63): read unbounded sources through the SDF wrapper instead.
    ExperimentalOptions.addExperiment(flink.as(ExperimentalOptions.class), "use_sdf_read");
    if (flink.getCheckpointingInterval() <= 0) {
      flink.setCheckpointingInterval(spec.trigger().runnerInterval().toMillis());
    }
    flink.setCheckpointingMode("EXACTLY_ONCE");
    // Beam elements are immutable (the DirectRunner enforces it), so chained operators may hand
    // them on without a serializer copy each.
    flink.setObjectReuse(true);
    // Every step finishes its bundle before the checkpoint barrier passes it, so what the source
    // read before the barrier reaches the result table before the barrier: a batch then reflects
    // whole lines, as a Spark micro-batch reflects its offsets. Beam's default finishes the bundle
    // after the barrier went downstream and holds its outputs for the next checkpoint, so words of
    // one line held by two parallel steps landed in two batches (seen at parallelism 2), and the
    // held outputs were written into every checkpoint.
    if (!explicitlySet(flink, "finishBundleBeforeCheckpointing")) {
      flink.setFinishBundleBeforeCheckpointing(true);
    }
    // Bundles: a partial combine combines over one, and a running aggregate fires a changed key's
    // row once per bundle. Rows leave the job only when a checkpoint completes, so when every
    // checkpoint ends the bundles, a bundle cut between two barriers only makes the table hold one
    // more copy of each row changed since (a checkpoint's stable-input buffer held six at 10,000
    // words with 100 ms bundles: 1.1 MB instead of 0.46 MB, and a third fewer lines/s). Then
    // bundles end at the barriers; the limits only keep a stalled checkpoint's bundle from growing
    // without end. Beam's streaming defaults (1,000 elements, 1 s) make partial combines small.
    boolean checkpointsEndBundles = flink.getFinishBundleBeforeCheckpointing(); // the interval is set above
    if (!explicitlySet(flink, "maxBundleSize")) {
      flink.setMaxBundleSize(checkpointsEndBundles ? BUNDLE_SIZE_BETWEEN_BARRIERS : BUNDLE_SIZE);
    }
    if (!explicitlySet(flink, "maxBundleTimeMills")) {
      flink.setMaxBundleTimeMills(checkpointsEndBundles ? 2 * flink.getCheckpointingInterval() : BUNDLE_MILLIS);
    }
    // Beam metrics wrap every element of every step in a metrics scope (two thread-local swaps and a
    // map lookup): a quarter of a word count's throughput, measured. A query reports through its
    // own progress, so they are off unless asked for with --disableMetrics=false.
    if (!explicitlySet(flink, "disableMetrics")) {
      flink.setDisableMetrics(true);
    }
    if (flink.getParallelism() <= 0) {
      flink.setParallelism(1);
    }
    if (stateUri != null) {
      flink.setStateBackend(stateBackend(flink));
      if (flink.getStateBackendStoragePath() != null && !flink.getStateBackendStoragePath().equals(stateUri)) {
        throw new IllegalArgumentException("--stateBackendStoragePath=" + flink.getStateBackendStoragePath()
            + " conflicts with --checkpointLocation, which keeps Flink's checkpoints in " + stateUri
            + ". Leave --stateBackendStoragePath out.");
      }
      flink.setStateBackendStoragePath(stateUri);
      flink.as(CheckpointOptions.class).setRecordFinalizedOffsets(true); // BatchCommitter reads them
      flink.as(CheckpointOptions.class).setReceiveLogRetention(flink.as(CheckpointOptions.class).getKeepReceiveLog()
          ? LogRetentions.KEEP_ALL : RestorePointRetentionProvider.NAME);
      flink.setExternalizedCheckpointsEnabled(true);
      flink.setRetainExternalizedCheckpointsOnCancellation(true);
    }
    String master = flink.getFlinkMaster() == null ? "[auto]" : flink.getFlinkMaster();
    boolean local = isLocal(master);
    List<String> conf = new ArrayList<>();
    if (flink.getFlinkConfDir() != null) {
      Path userConf = Path.of(flink.getFlinkConfDir(), "flink-conf.yaml");
      if (Files.exists(userConf)) {
        conf.addAll(Files.readAllLines(userConf));
      }
    }
    conf.add("state.checkpoints.num-retained: " + spec.pipeline().getOptions().as(FlinkCheckpointOptions.class).getRetainedCheckpoints());
    String restAddress;
    if (local) {
      int port = freePort();
      conf.add("rest.address: localhost");
      conf.add("rest.bind-address: localhost");
      conf.add("rest.port: " + port);
      restAddress = "localhost:" + port;
      if (restore != null) {
        conf.add("execution.savepoint.path: " + restore.directory());
      }
    } else {
      restAddress = clusterAddress(flink).orElseThrow();
      // Flink's client asks the JobManager for the job's end, retrying a connection refused 20 times
      // a second apart: a JobManager that high availability brings back takes longer under load (22 s
      // measured on 2 busy cores), and the query would give up on a job that lives on.
      if (conf.stream().noneMatch(line -> line.strip().startsWith("rest.retry.max-attempts"))) {
        conf.add("rest.retry.max-attempts: " + JOB_MANAGER_PATIENCE_SECONDS);
        conf.add("rest.retry.delay: 1000");
      }
      if (restore != null) {
        flink.setSavepointPath(restore.directory().toString());
      }
      if (flink.getFilesToStage() == null) {
        flink.setFilesToStage(projectClassPath());
      }
    }
    Path confDir = newConfDir();
    Files.write(confDir.resolve("flink-conf.yaml"), conf, StandardCharsets.UTF_8);
    confDir.toFile().deleteOnExit();
    confDir.resolve("flink-conf.yaml").toFile().deleteOnExit();
    flink.setFlinkConfDir(confDir.toString());
    return new FlinkJobSettings(jobName, restAddress, local);
  }

  private static final String CONF_DIR_PREFIX = "beamckpt-flink-conf-";

  /**
   * A temporary folder for the job's flink-conf.yaml, named after this process. Deleted when the
   * JVM exits; a killed query cannot, so the next one removes the folders of processes that are gone.
   */
  static Path newConfDir() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (var dirs = Files.newDirectoryStream(tmp, CONF_DIR_PREFIX + "*")) {
      for (Path dir : dirs) {
        String[] parts = dir.getFileName().toString().substring(CONF_DIR_PREFIX.length()).split("-", 2);
        if (parts.length == 2 && parts[0].matches("\\d{1,18}") && ProcessHandle.of(Long.parseLong(parts[0])).isEmpty()) {
          try {
            Files.deleteIfExists(dir.resolve("flink-conf.yaml"));
            Files.deleteIfExists(dir);
          } catch (IOException e) {
            // removed meanwhile by another query starting, or not ours to remove: left alone
          }
        }
      }
    }
    return Files.createTempDirectory(CONF_DIR_PREFIX + ProcessHandle.current().pid() + "-");
  }

  /** The REST address ({@code host:port}) of the cluster the query submits to; empty in-process. */
  static Optional<String> clusterAddress(FlinkPipelineOptions flink) {
    String master = flink.getFlinkMaster() == null ? "[auto]" : flink.getFlinkMaster();
    return isLocal(master) ? Optional.empty() : Optional.of(master.replaceFirst("^https?://", ""));
  }

  /** Beam's Flink runner runs a job in this process for these masters. */
  private static boolean isLocal(String master) {
    return master.equals("[local]") || master.equals("[auto]");
  }

  /**
   * A Flink cluster reaches the location's {@code state/} through filesystems of its own, set up
   * when its processes started. Before submitting, the cluster's configuration must address the
   * same store as the location (its endpoint, as {@code CheckpointStorage.runnerAddress()} names
   * it): otherwise its checkpoints would go elsewhere, or nowhere, and the job fail at its first one.
   * Refused naming the settings to start the cluster with. Credentials are not compared (the
   * cluster may have its own: an environment, an instance role) and the REST API masks them.
   */
  static void requireClusterReachesState(QuerySpec spec, CheckpointLocation location) throws IOException {
    String master = spec.pipeline().getOptions().as(FlinkPipelineOptions.class).getFlinkMaster();
    Map<String, String> address = location.storage().runnerAddress();
    if (master == null || isLocal(master) || address.isEmpty()) {
      return;
    }
    Map<String, String> cluster = new HashMap<>();
    try {
      new FlinkRest(master).configuration().forEach((k, v) -> cluster.put(FlinkFileSystems.hadoopKey(k), v));
    } catch (IOException unreachable) {
      return; // submitting says why the cluster cannot be reached
    }
    List<String> differ = new ArrayList<>();
    address.forEach((key, value) -> {
      String theirs = cluster.get(FlinkFileSystems.hadoopKey(key));
      if (theirs == null || !theirs.replaceAll("/+$", "").equals(value.replaceAll("/+$", ""))) {
        differ.add(key + " is " + (theirs == null ? "not set" : theirs) + " there, " + value + " here");
      }
    });
    if (!differ.isEmpty()) {
      String flags = address.entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(" "));
      throw new IllegalArgumentException("Checkpoint location " + location.uri() + ": the Flink cluster at " + master
          + " would write the query's state to " + location.storage().runnerUri(CheckpointLocation.STATE)
          + " through its own filesystems, which are not set up for this store (" + String.join("; ", differ)
          + "). Start the cluster with these settings: bin/flink-cluster start " + flags + " (or put them in its"
          + " flink-conf.yaml), with credentials in its environment or as -D settings; or run this query on Flink"
          + " in-process (leave --flinkMaster out).");
    }
  }

  /**
   * Flink writes its checkpoints to the location's {@code state/} through a Flink filesystem for
   * that URI's scheme; without one, the job would fail at its first checkpoint. Refused before
   * anything runs, naming what works instead.
   */
  static void refuseStateWithoutFileSystem(String stateUri, String location) {
    if (!FlinkFileSystems.reaches(stateUri)) {
      throw new IllegalArgumentException("Checkpoint location " + location + ": the Flink runner keeps its state in "
          + stateUri + ", but Flink has no filesystem for " + URI.create(stateUri).getScheme() + ":// here (none"
          + " among the plugins in " + FlinkFileSystems.pluginsDirectory() + "). Run this query with this location on"
          + " the DirectRunner (--runner=DirectRunner), or on Flink with a location on a local or mounted directory.");
    }
  }

  /**
   * Beam 2.62's Flink runner moves the watermark of a splittable read forward only when a
   * checkpoint barrier comes: the read resumes in timer callbacks, which run inside a bundle, where
   * DoFnOperator holds the watermark back, and the check meant to send it after the bundle ({@code
   * invokeFinishBundle}) compares the bundle times with the wrong sign; {@code
   * prepareSnapshotPreBarrier} sends it, but only with {@code finishBundleBeforeCheckpointing},
   * which this adapter turns on. So event-time windows close once per checkpoint (every trigger
   * interval), idle source or not; a user who turns it off would get windows that never close, so
   * that is refused before submitting. (The other read path duplicates records after a restore,
   * apache/beam#31313.)
   */
  static void refuseEventTimeWindowsWithoutBarrierWatermarks(QuerySpec spec) {
    FlinkPipelineOptions flink = spec.pipeline().getOptions().as(FlinkPipelineOptions.class);
    if (!explicitlySet(flink, "finishBundleBeforeCheckpointing") || flink.getFinishBundleBeforeCheckpointing()) {
      return; // on unless the user turned it off (apply)
    }
    spec.pipeline().traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof GroupByKey<?, ?>) {
          for (PValue input : node.getInputs().values()) {
            if (input instanceof PCollection<?> pc && !(pc.getWindowingStrategy().getWindowFn() instanceof GlobalWindows)) {
              throw new IllegalArgumentException("Query '" + spec.name() + "' aggregates in event-time windows ("
                  + pc.getWindowingStrategy().getWindowFn().getClass().getSimpleName() + "), which close on Beam"
                  + " 2.62's Flink runner only when bundles finish before each checkpoint: the socket read's watermark"
                  + " moves at checkpoint barriers. Leave out --finishBundleBeforeCheckpointing=false.");
            }
          }
        }
      }
    });
  }

  /**
   * What a remote job ships: the class path entries holding this project's classes (directories,
   * which Beam zips, and jars). Their dependencies (Beam, Flink) must be on the cluster's class
   * path, as they are on one started with {@code bin/flink-cluster}; any other cluster takes the
   * shaded job jar through {@code --filesToStage}.
   */
  private static List<String> projectClassPath() {
    return ClassPathEntry.all().stream().filter(e -> ClassPathEntry.holds(e, "dev/beamckpt/")).toList();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
