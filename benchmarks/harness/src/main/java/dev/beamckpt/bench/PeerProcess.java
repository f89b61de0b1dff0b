package dev.beamckpt.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * One peer JVM: started with its own class path, its {@link Probe} lines read off standard output,
 * its standard error kept in a log file, its CPU time and peak memory read from the OS, killed
 * with SIGKILL.
 */
final class PeerProcess implements AutoCloseable {
  /** A probe report: when (the peer's clock, epoch ms), the sum of counts, the hot word's count. */
  record Sample(long ms, long total, long hot) {}

  /** A checkpoint or batch commit: when the harness saw it, its duration and bytes (-1: not reported). */
  record Checkpoint(long seenMs, long durationMs, long bytes) {}

  final long startedMs;
  private final Process process;
  private final List<Sample> samples = new ArrayList<>();
  private final List<Checkpoint> checkpoints = new ArrayList<>();
  private final Map<String, Long> markers = new ConcurrentHashMap<>();
  private volatile Sample last = new Sample(0, 0, 0);

  private PeerProcess(Process process, long startedMs) {
    this.process = process;
    this.startedMs = startedMs;
    Thread reader = new Thread(this::readProbe, "probe-reader-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static PeerProcess start(List<String> command, Path stderrLog) throws IOException {
    Files.createDirectories(stderrLog.getParent());
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    long started = System.currentTimeMillis();
    return new PeerProcess(pb.start(), started);
  }

  private void readProbe() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.startsWith(Probe.PREFIX)) {
          continue; // a library printing to standard output
        }
        String[] f = line.substring(Probe.PREFIX.length()).split(" ");
        switch (f[0]) {
          case "t" -> {
            Sample s = new Sample(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]));
            synchronized (samples) {
              samples.add(s);
            }
            last = s;
          }
          case "marker" -> markers.putIfAbsent(f[1], Long.parseLong(f[2]));
          case "checkpoint" -> {
            synchronized (checkpoints) {
              checkpoints.add(new Checkpoint(System.currentTimeMillis(), Long.parseLong(f[1]), Long.parseLong(f[2])));
            }
          }
          default -> { }
        }
      }
    } catch (IOException e) {
      // the peer was killed
    }
  }

  Sample last() {
    return last;
  }

  long total() {
    return last.total();
  }

  /** Words the sink showed over the last {@code ms} milliseconds. */
  long countedInLast(long ms) {
    Sample now = last;
    synchronized (samples) {
      for (int i = samples.size() - 1; i >= 0; i--) {
        if (samples.get(i).ms() <= now.ms() - ms) {
          return now.total() - samples.get(i).total();
        }
      }
    }
    return now.total();
  }

  List<Sample> samples() {
    synchronized (samples) {
      return List.copyOf(samples);
    }
  }

  List<Checkpoint> checkpoints() {
    synchronized (checkpoints) {
      return List.copyOf(checkpoints);
    }
  }

  Long markerSeenMs(String marker) {
    return markers.get(marker);
  }

  boolean alive() {
    return process.isAlive();
  }

  /** Waits until the condition holds; false on timeout or if the peer died. */
  boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        return condition.getAsBoolean();
      }
      Feed.sleepMillis(5);
    }
    return true;
  }

  /** CPU time (user + system) the peer used so far, in seconds. */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  /** Peak resident memory so far (VmHWM), in bytes. */
  long peakRssBytes() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
        if (l.startsWith("VmHWM:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux, or gone
    }
    return -1;
  }

  /** SIGKILL, as a crash: nothing runs in the peer after it. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
