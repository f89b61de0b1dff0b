package dev.beamckpt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
  @Test
  void medianOfOddAndEvenCountsIgnoringMissingValues() {
    assertEquals(2.0, Stats.median(new double[] {3, 1, 2}));
    assertEquals(2.5, Stats.median(new double[] {4, 1, Double.NaN, 2, 3}));
    assertTrue(Double.isNaN(Stats.median(new double[] {Double.NaN})));
  }

  @Test
  void percentilesAreNearestRank() {
    double[] v = new double[100];
    for (int i = 0; i < 100; i++) {
      v[i] = 100 - i; // 100 .. 1, unsorted on purpose
    }
    assertEquals(50.0, Stats.percentile(v, 50));
    assertEquals(99.0, Stats.percentile(v, 99));
    assertEquals(100.0, Stats.percentile(v, 100));
    assertEquals(7.0, Stats.percentile(new double[] {7}, 99));
  }

  @Test
  void figureKeepsMedianAndSpread() {
    Results.Figure f = Stats.figure(new double[] {10, 30, 20, Double.NaN});
    assertEquals(new Results.Figure(20, 10, 30, 3), f);
    assertNull(Stats.figure(new double[] {Double.NaN}));
  }
}
