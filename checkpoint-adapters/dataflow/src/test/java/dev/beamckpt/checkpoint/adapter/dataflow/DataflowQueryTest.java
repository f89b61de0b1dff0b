package dev.beamckpt.checkpoint.adapter.dataflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.LocationDescription;
import dev.beamckpt.checkpoint.log.RunInfo;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import dev.beamckpt.checkpoint.storage.gcs.FakeGcsServer;
import dev.beamckpt.io.pubsub.PubsubLinesIO;
import dev.beamckpt.runners.dataflow.DataflowJobName;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.QueryWindowing;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.StreamingQueryException;
import dev.beamckpt.sdk.StreamingQueryOptions;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.ConsoleSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarOutputStream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word count over Pub/Sub on the DataflowRunner, nothing reaching Google: the runner stages to
 * a GCS emulator (fake-gcs-server, a real process, which also holds the gs:// location) and talks
 * to {@link DataflowRecorder}, a local recorder of the Dataflow API that answers as its reference
 * documents, not Dataflow. What these tests verify is what the query sends and records; what
 * Dataflow does with it (running the job, checking an update's compatibility, draining) only real
 * Dataflow can show.
 */
class DataflowQueryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeGcsServer gcs;
  private static DataflowRecorder dataflow;
  private static Path smallJar;
  @TempDir static Path shared;
  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    gcs = FakeGcsServer.start(shared.resolve("gcs"));
    gcs.createBucket("ckpt");
    dataflow = new DataflowRecorder();
    smallJar = shared.resolve("job.jar"); // staged in place of the test's class path (170 MB)
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(smallJar))) {
      jar.flush();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    dataflow.close();
    gcs.close();
  }

  @BeforeEach
  void forgetRequests() {
    dataflow.clearRequests();
  }

  private static String[] args(String location, String... more) {
    List<String> args = new ArrayList<>(List.of("--runner=DataflowRunner", "--project=test-project",
        "--region=us-central1", "--credentialFactoryClass=org.apache.beam.sdk.extensions.gcp.auth.NoopCredentialFactory",
        "--gcpTempLocation=gs://ckpt/tmp", "--gcsEndpoint=" + gcs.endpoint() + "/storage/v1/",
        "--filesToStage=" + smallJar, "--dataflowEndpoint=" + dataflow.endpoint(),
        "--pubsubRootUrl=http://127.0.0.1:1", "--checkpointLocation=" + location, "--trigger=5 seconds"));
    args.addAll(Arrays.asList(more));
    return args.toArray(String[]::new);
  }

  /** The word count; {@code byLength} counts word lengths instead: another stateful pipeline (Integer keys). */
  private static StreamingQuery start(String name, boolean byLength, String... args) throws IOException {
    return start(name, byLength, "CountWords", args);
  }

  private static StreamingQuery start(String name, boolean byLength, String countStep, String... args) throws IOException {
    PipelineOptionsFactory.register(StreamingQueryOptions.class);
    PipelineOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().create();
    Pipeline p = Pipeline.create(options);
    PCollection<String> lines = p.apply("ReadLines",
        PubsubLinesIO.read().fromSubscription("projects/test-project/subscriptions/words"));
    PCollection<String> words = lines.apply("SplitWords",
        FlatMapElements.into(TypeDescriptors.strings()).via((String l) -> Arrays.asList(l.split("\\s+"))));
    if (byLength) {
      PCollection<KV<Integer, Long>> counts = words.apply("Lengths", MapElements.into(TypeDescriptors.integers())
          .via(String::length)).apply("Window", QueryWindowing.global(OutputMode.COMPLETE))
          .apply("CountWords", Count.perElement());
      return WriteStream.of(counts).columns("length", "count").outputMode(OutputMode.COMPLETE)
          .sink(ConsoleSink.create()).queryName(name).start();
    }
    PCollection<KV<String, Long>> counts = words.apply("Window", QueryWindowing.global(OutputMode.COMPLETE))
        .apply(countStep, Count.perElement());
    return WriteStream.of(counts).columns("word", "count").outputMode(OutputMode.COMPLETE).sink(ConsoleSink.create())
        .queryName(name).start();
  }

  private static CheckpointLocation location(String uri) throws IOException {
    return CheckpointLocation.readOnly(uri, PipelineOptionsFactory.fromArgs("--gcsEndpoint=" + gcs.endpoint()
        + "/storage/v1/").create());
  }

  private List<String> calls() {
    return dataflow.requests().stream().map(DataflowRecorder.Request::toString).toList();
  }

  /**
   * The requests that change something, in order. A running query's driver also reads its job's
   * state every few seconds, so reads are checked by what they must include, not by their order.
   */
  private List<DataflowRecorder.Request> writes() {
    return dataflow.requests().stream().filter(r -> !r.method().equals("GET")).toList();
  }

  private List<String> writeCalls() {
    return writes().stream().map(DataflowRecorder.Request::toString).toList();
  }

  private static final String JOBS = "/v1b3/projects/test-project/locations/us-central1/jobs";

  @Test
  void aTemplateHoldsTheQuerysStepsAndItsLocationWithoutAnyDataflowCall() throws Exception {
    String location = "gs://ckpt/template-query";
    Path local = tmp.resolve("wordcount-template.json");
    StreamingQuery query = start("wordcount", false, args(location, "--templateLocation=" + local));
    assertFalse(query.isActive());
    assertEquals(List.of(), calls(), "writing a template calls no Dataflow API");

    JsonNode template = JSON.readTree(local.toFile());
    assertEquals("JOB_TYPE_STREAMING", template.path("type").asText());
    assertEquals(DataflowJobName.of("wordcount", location(location).metadata().id()), template.path("name").asText());
    List<String> steps = new ArrayList<>();
    template.path("steps").forEach(s -> steps.add(s.path("properties").path("user_name").path("value").asText()));
    for (String step : List.of("ReadLines", "SplitWords", "CountWords")) {
      assertTrue(steps.stream().anyMatch(s -> s.startsWith(step)), step + " in " + steps);
    }
    assertTrue(steps.stream().anyMatch(s -> s.contains("ResultTable")), "the result table step in " + steps);
    JsonNode options = template.path("environment").path("sdkPipelineOptions").path("options");
    assertEquals(location, options.path("checkpointLocation").asText());
    assertEquals("5 seconds", options.path("trigger").asText());

    // The same on Cloud Storage (the emulator), read back from the bucket.
    start("wordcount", false, args(location, "--templateLocation=gs://ckpt/templates/wordcount.json"));
    CheckpointStorage bucket = Storages.forLocation("gs://ckpt/templates",
        PipelineOptionsFactory.fromArgs("--gcsEndpoint=" + gcs.endpoint() + "/storage/v1/").create());
    JsonNode onGcs = JSON.readTree(bucket.read("wordcount.json"));
    assertEquals(template.path("steps").size(), onGcs.path("steps").size());
    assertEquals(List.of(), calls());
  }

  @Test
  void stopSnapshotsThenDrainsAndTheRestartStartsFromTheSnapshot() throws Exception {
    String location = "gs://ckpt/stop-restart";
    StreamingQuery first = start("wc-stop", false, args(location));
    assertEquals(List.of("POST " + JOBS), calls(), "a new location: one new job, no lookup, no update");
    CheckpointLocation loc = location(location);
    RunInfo run = loc.runs().get(0).orElseThrow();
    String jobA = run.runnerJobId();
    assertEquals(dataflow.lastJob(), jobA, "runs/0 names the job created");
    assertEquals("DataflowRunner", run.runner());
    String jobName = DataflowJobName.of("wc-stop", loc.metadata().id());
    assertEquals(jobName, dataflow.requests().get(0).body().path("name").asText());

    dataflow.clearRequests();
    first.stop();
    assertFalse(first.isActive());
    assertEquals(List.of("POST " + JOBS + "/" + jobA + ":snapshot", "PUT " + JOBS + "/" + jobA), writeCalls(),
        "snapshot first, then drain");
    assertEquals("JOB_STATE_DRAINED", writes().get(1).body().path("requestedState").asText());
    assertEquals("604800s", writes().get(0).body().path("ttl").asText());
    assertEquals("GET " + JOBS + "/" + jobA, calls().get(calls().size() - 1), "then waits for the job to end");
    SnapshotLog.Recorded snapshot = new SnapshotLog(loc.storage()).latest().orElseThrow();
    assertEquals(dataflow.lastSnapshot(), snapshot.snapshotId());
    assertEquals(jobA, snapshot.jobId());

    String described = LocationDescription.describe(location, PipelineOptionsFactory.fromArgs("--gcsEndpoint="
        + gcs.endpoint() + "/storage/v1/").create());
    assertTrue(described.contains("job " + jobA) && described.contains("Dataflow snapshots")
        && described.contains(snapshot.snapshotId() + " of job " + jobA)
        && described.contains("on Dataflow the next run replaces job " + jobA + " if it still runs (--update), else"
            + " starts from snapshot " + snapshot.snapshotId()), described);

    dataflow.clearRequests();
    StreamingQuery second = start("wc-stop", false, args(location));
    assertEquals(List.of("GET " + JOBS + "/" + jobA, "POST " + JOBS), calls(), "the last job looked up, then the new one");
    JsonNode created = writes().get(0).body();
    assertEquals(snapshot.snapshotId(), created.path("createdFromSnapshotId").asText());
    assertEquals(jobName, created.path("name").asText(), "the same job name at every start");
    assertFalse(created.has("replaceJobId"));
    RunInfo restarted = loc.runs().get(1).orElseThrow();
    String jobB = restarted.runnerJobId();
    assertEquals(dataflow.lastJob(), jobB);
    assertTrue(restarted.restoredFrom().contains(snapshot.snapshotId()), restarted.restoredFrom());

    // Cancelled in the console: the query ends, and a restart has neither a running job nor a
    // snapshot of it, so it is refused before anything is submitted.
    dataflow.setState(jobB, "JOB_STATE_CANCELLED");
    StreamingQueryException ended = assertThrows(StreamingQueryException.class, () -> second.awaitTermination(60_000),
        "the query ends when its job ends outside it");
    assertTrue(ended.getMessage().contains(jobB + " ended outside the query: JOB_STATE_CANCELLED"), ended.getMessage());
    dataflow.clearRequests();
    IOException refused = assertThrows(IOException.class, () -> start("wc-stop", false, args(location)));
    assertTrue(refused.getMessage().contains("Dataflow job " + jobB) && refused.getMessage().contains("JOB_STATE_CANCELLED")
        && refused.getMessage().contains(snapshot.snapshotId() + ", was taken of an earlier job (" + jobA + ")"),
        refused.getMessage());
    assertEquals(List.of(), writeCalls(), "refused: nothing submitted");
    assertTrue(calls().contains("GET " + JOBS + "/" + jobB), calls().toString());
  }

  @Test
  void aRestartWhileTheJobRunsReplacesItWithUpdateAndTheNameMapping() throws Exception {
    String location = "gs://ckpt/update";
    StreamingQuery first = start("wc-update", false, args(location, "--stopMode=cancel"));
    first.stop();
    // The launcher died between the snapshot and the cancel: the job still runs.
    String running = dataflow.lastJob();
    dataflow.setState(running, "JOB_STATE_RUNNING");
    dataflow.clearRequests();
    StreamingQuery second = start("wc-update", false, args(location, "--transformNameMapping={\"SplitWords\":\"SplitWords\"}"));
    assertEquals(List.of("GET " + JOBS + "/" + running, "GET " + JOBS, "POST " + JOBS), calls(),
        "the job is looked up, then found by name (the runner's --update), then replaced");
    JsonNode created = writes().get(0).body();
    assertEquals(running, created.path("replaceJobId").asText());
    assertEquals("SplitWords", created.path("transformNameMapping").path("SplitWords").asText());
    assertEquals("JOB_STATE_UPDATED", dataflow.state(running));
    RunInfo run = location(location).runs().get(1).orElseThrow();
    assertTrue(run.restoredFrom().contains("replacing running job " + running), run.restoredFrom());
    second.stop();
  }

  @Test
  void aRenamedStatefulStepIsMappedWhenTheRestartStartsFromTheSnapshot() throws Exception {
    String location = "gs://ckpt/rename";
    start("wc-rename", false, args(location)).stop();
    dataflow.clearRequests();
    StreamingQuery renamed = start("wc-rename", false, "CountByWord", args(location));
    JsonNode created = writes().get(0).body();
    assertTrue(created.path("createdFromSnapshotId").asText().startsWith("snapshot-"), created.toString());
    assertEquals("CountByWord", created.path("transformNameMapping").path("CountWords").asText(),
        created.path("transformNameMapping").toString());
    assertEquals(1, created.path("transformNameMapping").size(), "only the renamed step is mapped");
    renamed.stop();
  }

  @Test
  void anIncompatiblePipelineIsRefusedBeforeAnyDataflowCall() throws Exception {
    String location = "gs://ckpt/incompatible";
    start("wc-incompatible", false, args(location)).stop();
    dataflow.clearRequests();
    IOException refused = assertThrows(IOException.class, () -> start("wc-incompatible", true, args(location)));
    assertTrue(refused.getMessage().contains("Incompatible checkpoint metadata"), refused.getMessage());
    assertEquals(List.of(), calls());
  }

  @Test
  void aLocalLocationIsRefusedNamingGcs() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> start("wc-local", false, args(tmp.resolve("local").toString())));
    assertTrue(refused.getMessage().contains("gs://<bucket>"), refused.getMessage());
    assertEquals(List.of(), calls());
  }
}
