package dev.beamckpt.checkpoint.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchGateTest {
  @Test
  void uncontrolledGateLetsEverythingThrough() {
    BatchGate gate = new BatchGate();
    assertEquals(Long.MAX_VALUE, gate.limit());
    assertEquals(7, gate.watermarkAt(3, 7));
  }

  @Test
  void readersReportTheBatchWatermarkOnlyAtTheFence() {
    BatchGate gate = new BatchGate();
    gate.control(10);
    assertEquals(10, gate.limit(), "closed at the start offset");
    gate.open(20, 1_000);
    assertEquals(20, gate.limit());
    assertEquals(Long.MIN_VALUE, gate.watermarkAt(15, 0), "below the fence: the previous batch's watermark");
    assertEquals(1_000, gate.watermarkAt(20, 0));
    assertThrows(IllegalArgumentException.class, () -> gate.open(19, 2_000), "a batch cannot move the fence back");
    assertThrows(IllegalArgumentException.class, () -> gate.open(25, 999));
  }

  @Test
  void processedOnlyWhenTheRunnerReadsAgainAfterTheBundle() throws InterruptedException {
    BatchGate gate = new BatchGate();
    gate.control(0);
    gate.open(5, 100);
    gate.bundleStarted();
    gate.bundleEnded(5, 100);
    assertFalse(gate.awaitProcessed(5, 100, 10, TimeUnit.MILLISECONDS),
        "the bundle's output may still be in flight until the runner schedules the source again");
    gate.bundleStarted();
    assertTrue(gate.awaitProcessed(5, 100, 10, TimeUnit.MILLISECONDS));
    assertFalse(gate.awaitProcessed(6, 100, 10, TimeUnit.MILLISECONDS));
  }

  @Test
  void driverWakesWhenAReaderStartsItsNextBundle() throws Exception {
    BatchGate gate = new BatchGate();
    gate.control(0);
    gate.open(3, 50);
    gate.bundleStarted();
    gate.bundleEnded(3, 50);
    Thread reader = new Thread(gate::bundleStarted);
    reader.start();
    assertTrue(gate.awaitProcessed(3, 50, 30, TimeUnit.SECONDS));
    reader.join();
  }
}
