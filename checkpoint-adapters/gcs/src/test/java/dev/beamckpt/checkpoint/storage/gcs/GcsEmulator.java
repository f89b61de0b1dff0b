package dev.beamckpt.checkpoint.storage.gcs;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** One fake-gcs-server for a test class, a bucket on it, and locations in that bucket. */
final class GcsEmulator {
  static final String BUCKET = "checkpoints";
  private static final AtomicInteger LOCATIONS = new AtomicInteger();
  final FakeGcsServer server;

  private GcsEmulator(FakeGcsServer server) {
    this.server = server;
  }

  static GcsEmulator start() throws IOException {
    FakeGcsServer server = FakeGcsServer.start(Files.createTempDirectory("fake-gcs").resolve("data"));
    server.createBucket(BUCKET);
    return new GcsEmulator(server);
  }

  /** A location no other test uses. */
  String newLocation() {
    return "gs://" + BUCKET + "/test-" + LOCATIONS.incrementAndGet() + "/location";
  }

  PipelineOptions options(String... more) {
    List<String> args = new ArrayList<>(List.of("--gcsEndpoint=" + server.endpoint() + "/storage/v1/"));
    args.addAll(List.of(more));
    PipelineOptionsFactory.register(CheckpointOptions.class);
    return PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).create();
  }

  CheckpointStorage open(String location, String... options) {
    return Storages.forLocation(location, options(options));
  }

  void stop() throws InterruptedException {
    server.close();
  }
}
