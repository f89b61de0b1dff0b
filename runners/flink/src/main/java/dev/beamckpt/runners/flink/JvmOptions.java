package dev.beamckpt.runners.flink;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The module openings Flink needs on Java 17 (its Kryo serializers reach into java.util and
 * friends). They are listed once, in {@code bin/jvm.options}; JVMs started with them (bin/_run,
 * Maven's test JVMs) hand them on to the JVMs they launch.
 */
public final class JvmOptions {
  private JvmOptions() {}

  /** This JVM's --add-opens and --add-exports options. */
  public static List<String> moduleOptions() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
        .toList();
  }
}
