package dev.beamckpt.bench;

import java.util.Arrays;

/** Medians and percentiles (nearest rank) of measured values; NaN when there are none. */
final class Stats {
  private Stats() {}

  static double median(double[] values) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  static double percentile(double[] values, double p) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
  }

  static Results.Figure figure(double[] values) {
    double[] v = Arrays.stream(values).filter(x -> !Double.isNaN(x)).toArray();
    if (v.length == 0) {
      return null;
    }
    return new Results.Figure(median(v), Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(), v.length);
  }
}
