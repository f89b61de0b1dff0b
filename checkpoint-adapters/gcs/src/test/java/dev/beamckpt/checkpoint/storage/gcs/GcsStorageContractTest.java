package dev.beamckpt.checkpoint.storage.gcs;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.ObjectStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The storage contract on gs://, against a real fake-gcs-server process. */
class GcsStorageContractTest extends ObjectStoreContract {
  private static GcsEmulator gcs;
  private final String location = gcs.newLocation();

  @BeforeAll
  static void startEmulator() throws Exception {
    gcs = GcsEmulator.start();
  }

  @AfterAll
  static void stopEmulator() throws Exception {
    gcs.stop();
  }

  @Override
  protected CheckpointStorage open() {
    return gcs.open(location);
  }

  @Override
  protected CheckpointStorage openWithShortLease() {
    return gcs.open(location, "--locationLeaseSeconds=2");
  }

  @Override
  protected String statePathSuffix() {
    return "/location/state";
  }
}
