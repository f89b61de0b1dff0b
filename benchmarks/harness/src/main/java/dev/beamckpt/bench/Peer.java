package dev.beamckpt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The systems compared, each a main class in its own module run in its own JVM with the same heap.
 * The word count and the trigger or checkpoint interval are the same for all.
 */
enum Peer {
  CEILING("ceiling", "plain Java loop (ceiling)", "probe", "Ceiling", Kind.NONE, false),
  RECEIVE_LOG("receive-log", "plain loop + our receive log", "peer-ours", "ReceiveLogPeer", Kind.NONE, false),
  OURS_DIRECT("ours-direct", "ours, Direct runner", "peer-ours", "OursPeer", Kind.OURS, true),
  OURS_FLINK("ours-flink", "ours, Flink in-process", "peer-ours", "OursPeer", Kind.OURS, true),
  SPARK("spark", "Spark 3.5 (200 shuffle partitions, default)", "peer-spark", "SparkPeer", Kind.SPARK, true),
  SPARK_P2("spark-p2", "Spark 3.5 (2 shuffle partitions)", "peer-spark", "SparkPeer", Kind.SPARK, true),
  FLINK("flink", "native Flink DataStream", "peer-flink", "FlinkPeer", Kind.FLINK, true),
  OURS_FLINK_OFF("ours-flink-nockpt", "ours, Flink, no checkpointLocation", "peer-ours", "OursPeer", Kind.OURS, false),
  FLINK_OFF("flink-nockpt", "native Flink, checkpointing off", "peer-flink", "FlinkPeer", Kind.FLINK, false);

  enum Kind { NONE, OURS, SPARK, FLINK }

  static final String HEAP = "-Xmx3g";

  final String id;
  final String label;
  final String module;
  final String mainClass;
  final Kind kind;
  /** Checkpoints, so it is measured for checkpoint cost, latency and recovery. */
  final boolean checkpoints;

  Peer(String id, String label, String module, String mainClass, Kind kind, boolean checkpoints) {
    this.id = id;
    this.label = label;
    this.module = module;
    this.mainClass = "dev.beamckpt.bench." + mainClass;
    this.kind = kind;
    this.checkpoints = checkpoints;
  }

  static Peer byId(String id) {
    return Arrays.stream(values()).filter(p -> p.id.equals(id)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("No system '" + id + "': use one of "
            + Arrays.stream(values()).map(p -> p.id).toList()));
  }

  /** Whether its checkpoints are Flink's chk-N directories under {@code <location>/state}. */
  boolean flinkCheckpoints() {
    return this == OURS_FLINK || this == FLINK;
  }

  List<String> command(Path root, int port, Path location, Duration interval, int restPort) throws IOException {
    Path moduleDir = root.resolve("benchmarks").resolve(module);
    Path cpFile = moduleDir.resolve("target/classpath.txt");
    if (!Files.exists(cpFile)) {
      throw new IOException(cpFile + " is missing: build the benchmarks first (bin/bench does).");
    }
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    switch (kind) {
      case OURS, FLINK -> cmd.add("@" + root.resolve("bin/jvm.options"));
      case SPARK -> cmd.add("@" + moduleDir.resolve("jvm.options"));
      case NONE -> { }
    }
    String extra = System.getenv("BENCH_JAVA_OPTS"); // e.g. a profiler: -XX:StartFlightRecording=...
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.addAll(List.of(HEAP, "-cp", moduleDir.resolve("target/classes") + ":" + Files.readString(cpFile).trim(), mainClass));
    String ms = Long.toString(interval.toMillis());
    switch (this) {
      case CEILING -> cmd.add(Integer.toString(port));
      case RECEIVE_LOG -> cmd.addAll(List.of(Integer.toString(port), location.toString()));
      case OURS_DIRECT, OURS_FLINK, OURS_FLINK_OFF -> {
        cmd.addAll(List.of("--runner=" + (this == OURS_DIRECT ? "DirectRunner" : "FlinkRunner"), "--port=" + port,
            "--trigger=" + interval.toMillis() + " milliseconds"));
        if (checkpoints) {
          cmd.add("--checkpointLocation=" + location);
        }
        String options = System.getenv("BENCH_OURS_ARGS"); // e.g. --updateFiringMillis=1000, to try a setting
        if (options != null && !options.isBlank()) {
          cmd.addAll(List.of(options.trim().split("\\s+")));
        }
      }
      case SPARK -> cmd.addAll(List.of(Integer.toString(port), location.toString(), ms, "default"));
      case SPARK_P2 -> cmd.addAll(List.of(Integer.toString(port), location.toString(), ms, "2"));
      case FLINK -> cmd.addAll(List.of(Integer.toString(port), location.toString(), ms, "hashmap", Integer.toString(restPort)));
      case FLINK_OFF -> cmd.addAll(List.of(Integer.toString(port), location.toString(), "0", "hashmap", Integer.toString(restPort)));
    }
    return cmd;
  }
}
