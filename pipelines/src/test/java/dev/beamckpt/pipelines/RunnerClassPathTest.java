package dev.beamckpt.pipelines;

import dev.beamckpt.runners.flink.PatchedRunnerClasses;
import org.junit.jupiter.api.Test;

/**
 * The pipelines' class path (this pom's dependency order, which bin/_run and every consumer of
 * this module inherit) loads runners-flink's fixed Beam runner classes, not Beam's own.
 */
class RunnerClassPathTest {
  @Test
  void theFixedRunnerClassesComeFirst() {
    PatchedRunnerClasses.verify();
  }
}
