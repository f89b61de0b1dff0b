package dev.beamckpt.checkpoint.execution;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Spark-style intervals: "10 seconds", "1 minute", "500 ms", "2h", "0". */
public final class Intervals {
  private static final Pattern INTERVAL = Pattern.compile("\\s*(\\d+)\\s*([a-zA-Z]*)\\s*");

  private Intervals() {}

  public static Duration parse(String text, String what) {
    Matcher m = INTERVAL.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(what + " '" + text + "' is not an interval: write it like \"10 seconds\", \"1 minute\" or \"500 ms\".");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2).toLowerCase(Locale.ROOT);
    return switch (unit) {
      case "ms", "milli", "millis", "millisecond", "milliseconds" -> Duration.ofMillis(n);
      case "", "s", "sec", "secs", "second", "seconds" -> unit.isEmpty() && n != 0
          ? fail(text, what) : Duration.ofSeconds(n);
      case "m", "min", "mins", "minute", "minutes" -> Duration.ofMinutes(n);
      case "h", "hour", "hours" -> Duration.ofHours(n);
      case "d", "day", "days" -> Duration.ofDays(n);
      default -> fail(text, what);
    };
  }

  private static Duration fail(String text, String what) {
    throw new IllegalArgumentException(what + " '" + text + "' has no known unit: use ms, seconds, minutes, hours or days, as in \"10 seconds\".");
  }
}
