package dev.beamckpt.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.util.Collector;

/**
 * The word count written directly on Flink's DataStream API, no Beam: socket text source, split,
 * keyBy word, running sum, every updated count to the probe. In-process (a MiniCluster, like our
 * FlinkRunner in-process), parallelism 1 and exactly-once checkpoints every interval into
 * {@code <dir>/state} as our Flink adapter does; restarted, it restores the newest retained
 * checkpoint there.
 *
 * <p>{@code FlinkPeer <port> <checkpoint dir> <interval ms, 0 = off> <hashmap|rocksdb> <rest port>}
 */
public final class FlinkPeer {
  private FlinkPeer() {}

  static final class ProbeSink implements SinkFunction<Tuple2<String, Long>> {
    @Override
    public void invoke(Tuple2<String, Long> value, Context context) {
      Probe.get().update(value.f0, value.f1);
    }
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]).toAbsolutePath();
    long intervalMs = Long.parseLong(args[2]);
    int restPort = Integer.parseInt(args[4]);
    Configuration conf = new Configuration();
    conf.set(RestOptions.PORT, restPort);
    conf.set(StateBackendOptions.STATE_BACKEND, args[3]);
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("state").toUri().toString());
    conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 3);
    newestCheckpoint(dir.resolve("state")).ifPresent(chk -> conf.set(SavepointConfigOptions.SAVEPOINT_PATH, chk.toUri().toString()));

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    if (intervalMs > 0) {
      env.enableCheckpointing(intervalMs, CheckpointingMode.EXACTLY_ONCE);
      env.getCheckpointConfig().setExternalizedCheckpointCleanup(
          CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
    }
    env.socketTextStream("localhost", port)
        .flatMap((String line, Collector<Tuple2<String, Long>> out) -> {
          for (String word : line.split(" ")) {
            if (!word.isEmpty()) {
              out.collect(Tuple2.of(word, 1L));
            }
          }
        })
        .returns(Types.TUPLE(Types.STRING, Types.LONG))
        .keyBy(t -> t.f0)
        .sum(1)
        .addSink(new ProbeSink());
    JobClient job = env.executeAsync("native-flink-wordcount");
    reportCheckpoints(restPort, job.getJobID());
  }

  /** Flink's own figures for each completed checkpoint, from its REST API. */
  private static void reportCheckpoints(int restPort, JobID job) throws InterruptedException {
    HttpClient http = HttpClient.newHttpClient();
    ObjectMapper json = new ObjectMapper();
    URI uri = URI.create("http://localhost:" + restPort + "/jobs/" + job + "/checkpoints");
    long reported = -1;
    while (true) {
      try {
        String body = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        JsonNode completed = json.readTree(body).path("latest").path("completed");
        long id = completed.path("id").asLong(-1);
        if (id > reported) {
          reported = id;
          Probe.get().checkpoint(completed.path("end_to_end_duration").asLong(),
              completed.path("checkpointed_size").asLong(completed.path("state_size").asLong()));
        }
      } catch (IOException e) {
        // the job is still starting
      }
      Thread.sleep(200);
    }
  }

  /** The newest chk-N with its _metadata written under any job's directory: what a restart restores. */
  static Optional<Path> newestCheckpoint(Path state) throws IOException {
    if (!Files.isDirectory(state)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(state, 3)) {
      return files.filter(p -> p.getFileName().toString().equals("_metadata"))
          .map(Path::getParent)
          .filter(p -> p.getFileName().toString().startsWith("chk-"))
          .max(Comparator.comparingLong(p -> p.resolve("_metadata").toFile().lastModified()));
    }
  }
}
