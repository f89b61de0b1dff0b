package dev.beamckpt.checkpoint.storage.s3;

import dev.beamckpt.checkpoint.CheckpointOptions;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.ObjectStoreContract;
import dev.beamckpt.checkpoint.storage.Storages;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on s3://, against a real moto server process. */
class S3StorageContractTest extends ObjectStoreContract {
  private static final AtomicInteger LOCATIONS = new AtomicInteger();
  private static MotoServer moto;
  private final String location = "s3a://checkpoints/test-" + LOCATIONS.incrementAndGet() + "/location";

  @BeforeAll
  static void startEmulator() throws Exception {
    MotoServer.useTestCredentials();
    moto = MotoServer.start(Files.createTempDirectory("moto"));
    moto.createBucket("checkpoints");
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    moto.close();
  }

  @Override
  protected CheckpointStorage open() {
    return open("--s3Endpoint=" + moto.endpoint());
  }

  @Override
  protected CheckpointStorage openWithShortLease() {
    return open("--s3Endpoint=" + moto.endpoint(), "--locationLeaseSeconds=2");
  }

  private CheckpointStorage open(String... options) {
    PipelineOptionsFactory.register(CheckpointOptions.class);
    return Storages.forLocation(location, PipelineOptionsFactory.fromArgs(options).create());
  }

  /** Measured: 1 run in 5 let two of 8 concurrent If-None-Match writers succeed (moto 5.2, threaded server). */
  @Override
  protected String concurrentCreatesUnprovenBecause() {
    return "moto checks If-None-Match and writes in two steps, so concurrent creators can both win there; S3 itself"
        + " makes conditional writes atomic";
  }

  @Override
  protected String statePathSuffix() {
    return "/location/state";
  }
}
