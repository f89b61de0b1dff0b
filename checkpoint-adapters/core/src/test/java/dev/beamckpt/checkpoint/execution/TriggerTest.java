package dev.beamckpt.checkpoint.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TriggerTest {
  @Test
  void parsesSparkStyleIntervals() {
    assertEquals(Duration.ofSeconds(10), Intervals.parse("10 seconds", "x"));
    assertEquals(Duration.ofMinutes(1), Intervals.parse("1 minute", "x"));
    assertEquals(Duration.ofMillis(500), Intervals.parse("500 ms", "x"));
    assertEquals(Duration.ofHours(2), Intervals.parse("2h", "x"));
    assertEquals(Duration.ZERO, Intervals.parse("0", "x"));
  }

  @Test
  void badIntervalsNameTheOptionAndTheFix() {
    String noUnit = assertThrows(IllegalArgumentException.class, () -> Intervals.parse("10", "--trigger")).getMessage();
    assertTrue(noUnit.startsWith("--trigger '10' has no known unit"), noUnit);
    String junk = assertThrows(IllegalArgumentException.class, () -> Intervals.parse("soon", "--trigger")).getMessage();
    assertTrue(junk.contains("is not an interval") && junk.contains("\"10 seconds\""), junk);
  }

  @Test
  void parsesTriggers() {
    assertTrue(Trigger.parse("availableNow").isAvailableNow());
    assertTrue(Trigger.parse("once").isAvailableNow());
    assertEquals(Trigger.processingTime(Duration.ofSeconds(10)), Trigger.parse("10 seconds"));
    assertEquals(Trigger.processingTime(Duration.ZERO), Trigger.parse(null), "no trigger: as fast as possible, as in Spark");
  }
}
