package dev.beamckpt.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** results.json (every run and the summary), results.md (tables with ratios) and the charts. */
final class Report {
  static final Peer BASELINE = Peer.SPARK;

  private Report() {}

  static void write(Path out, Plan plan, List<Results.Throughput> throughput, List<Results.LatencyRecovery> latency,
      List<Results.Replay> replay) throws IOException {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("finishedAt", Instant.now().toString());
    env.put("cores", Runtime.getRuntime().availableProcessors());
    env.put("java", System.getProperty("java.version"));
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    env.put("peerHeap", Peer.HEAP);
    env.put("gitCommit", gitCommit());
    write(out, plan, throughput, latency, replay, env);
  }

  private static void write(Path out, Plan plan, List<Results.Throughput> throughput, List<Results.LatencyRecovery> latency,
      List<Results.Replay> replay, Map<String, Object> env) throws IOException {
    Files.createDirectories(out);
    List<Results.Summary> summary = summarize(plan, throughput, latency);
    Map<String, Object> planJson = new LinkedHashMap<>();
    planJson.put("mode", plan.mode());
    planJson.put("systems", plan.peers().stream().map(p -> p.id).toList());
    planJson.put("distinctWords", plan.distinctWords());
    planJson.put("repeats", plan.repeats());
    planJson.put("intervalMs", plan.interval().toMillis());
    planJson.put("warmupSeconds", plan.warmup().toSeconds());
    planJson.put("measureSeconds", plan.measure().toSeconds());
    planJson.put("minAheadWords", plan.minAheadWords());
    planJson.put("pacedLinesPerSecond", plan.pacedRate());
    planJson.put("pacedSeconds", plan.paced().toSeconds());
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("environment", env);
    doc.put("plan", planJson);
    doc.put("throughput", throughput);
    doc.put("latencyRecovery", latency);
    doc.put("replay", replay);
    doc.put("summary", summary);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("results.json").toFile(), doc);
    Files.writeString(out.resolve("results.md"), markdown(plan, env, summary, throughput, latency, replay));
    Charts.write(out, plan, summary, replay);
  }

  /** Writes results.md and the charts again from a run's results.json (after a change to how they are presented). */
  static void rewrite(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    JsonNode doc = json.readTree(dir.resolve("results.json").toFile());
    JsonNode p = doc.path("plan");
    Plan plan = (p.path("mode").asText().equals("quick") ? Plan.quick() : Plan.full())
        .withPeers(json.convertValue(p.path("systems"), new TypeReference<List<String>>() {}).stream().map(Peer::byId).toList())
        .withSizes(json.convertValue(p.path("distinctWords"), new TypeReference<List<Integer>>() {}))
        .withRepeats(p.path("repeats").asInt());
    write(dir, plan, json.convertValue(doc.path("throughput"), new TypeReference<List<Results.Throughput>>() {}),
        json.convertValue(doc.path("latencyRecovery"), new TypeReference<List<Results.LatencyRecovery>>() {}),
        json.convertValue(doc.path("replay"), new TypeReference<List<Results.Replay>>() {}),
        json.convertValue(doc.path("environment"), new TypeReference<Map<String, Object>>() {}));
  }

  static List<Results.Summary> summarize(Plan plan, List<Results.Throughput> throughput, List<Results.LatencyRecovery> latency) {
    List<Results.Summary> out = new ArrayList<>();
    for (int size : plan.distinctWords()) {
      for (Peer peer : plan.peers()) {
        // A run that did not finish measured nothing: its peak memory alone would mislead.
        List<Results.Throughput> t = throughput.stream()
            .filter(r -> r.peer().equals(peer.id) && r.distinctWords() == size && r.error() == null).toList();
        List<Results.LatencyRecovery> l = latency.stream().filter(r -> r.peer().equals(peer.id) && r.distinctWords() == size).toList();
        Map<String, Results.Figure> f = new LinkedHashMap<>();
        put(f, "linesPerSecond", t, Results.Throughput::linesPerSecond);
        put(f, "wordsPerSecond", t, Results.Throughput::wordsPerSecond);
        put(f, "cpuSecondsPerMillionWords", t, Results.Throughput::cpuSecondsPerMillionWords);
        put(f, "cpuCores", t, Results.Throughput::cpuCores);
        put(f, "peakRssMB", t, r -> r.peakRssBytes() / 1048576.0);
        put(f, "startupSeconds", t, Results.Throughput::startupSeconds);
        put(f, "checkpointMs", t, Results.Throughput::checkpointMs);
        put(f, "checkpointBytes", t, Results.Throughput::checkpointBytes);
        put(f, "p50Ms", l, Results.LatencyRecovery::p50Ms);
        put(f, "p99Ms", l, Results.LatencyRecovery::p99Ms);
        put(f, "recoverySeconds", l, r -> r.recoverySeconds() == null ? Double.NaN : r.recoverySeconds());
        put(f, "replayedLines", l, r -> r.replayedLines() == null ? Double.NaN : r.replayedLines());
        out.add(new Results.Summary(peer.id, peer.label, size, f));
      }
    }
    return out;
  }

  private static <R> void put(Map<String, Results.Figure> f, String name, List<R> runs, ToDoubleFunction<R> value) {
    Results.Figure fig = Stats.figure(runs.stream().mapToDouble(value).toArray());
    if (fig != null) {
      f.put(name, fig);
    }
  }

  static Results.Figure figure(List<Results.Summary> summary, Peer peer, int size, String name) {
    return summary.stream().filter(s -> s.peer().equals(peer.id) && s.distinctWords() == size).findFirst()
        .map(s -> s.figures().get(name)).orElse(null);
  }

  static double ratio(List<Results.Summary> summary, Peer a, Peer b, int size, String name) {
    Results.Figure fa = figure(summary, a, size, name);
    Results.Figure fb = figure(summary, b, size, name);
    return fa == null || fb == null ? Double.NaN : fa.median() / fb.median();
  }

  private static String markdown(Plan plan, Map<String, Object> env, List<Results.Summary> summary,
      List<Results.Throughput> throughput, List<Results.LatencyRecovery> latency, List<Results.Replay> replay) {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmark results (").append(plan.mode()).append(" run)\n\n");
    md.append(String.format(Locale.ROOT, "Finished %s on %s cores, Java %s, %s; commit %s. Produced by `bin/bench%s`.%n%n",
        env.get("finishedAt"), env.get("cores"), env.get("java"), env.get("os"), env.get("gitCommit"),
        plan.mode().equals("quick") ? " --quick" : ""));
    md.append(String.format(Locale.ROOT, "Each figure is the median of the runs at that size (up to %d; results.json has each run), with [min–max] when there were several;"
        + " × Spark is the ratio to %s, × ceiling to the plain Java loop. Systems ran one after another on"
        + " this shared %s-core machine, alternating within each repeat. How each figure is measured is under the tables.%n%n",
        plan.repeats(), BASELINE.label, env.get("cores")));
    boolean ceilingRan = plan.peers().contains(Peer.CEILING);
    boolean sparkRan = plan.peers().contains(BASELINE);
    for (int size : plan.distinctWords()) {
      md.append(String.format(Locale.ROOT, "## %,d distinct words%n%n", size));
      md.append("| System | lines/s | words/s | × Spark | × ceiling | CPU s per M words | peak RSS MB | checkpoint ms | checkpoint KB | latency p50 / p99 ms | recovery s |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Peer peer : plan.peers()) {
        md.append("| ").append(peer.label)
            .append(" | ").append(cell(summary, peer, size, "linesPerSecond", 1, "%,.0f"))
            .append(" | ").append(cell(summary, peer, size, "wordsPerSecond", 1, "%,.0f"))
            .append(" | ").append(sparkRan ? ratioCell(ratio(summary, peer, BASELINE, size, "linesPerSecond")) : "")
            .append(" | ").append(ceilingRan ? ratioCell(ratio(summary, peer, Peer.CEILING, size, "linesPerSecond")) : "")
            .append(" | ").append(cell(summary, peer, size, "cpuSecondsPerMillionWords", 1, "%.2f"))
            .append(" | ").append(cell(summary, peer, size, "peakRssMB", 1, "%,.0f"))
            .append(" | ").append(cell(summary, peer, size, "checkpointMs", 1, "%,.0f"))
            .append(" | ").append(cell(summary, peer, size, "checkpointBytes", 1024, "%,.0f"))
            .append(" | ").append(cell(summary, peer, size, "p50Ms", 1, "%,.0f")).append(" / ")
            .append(cell(summary, peer, size, "p99Ms", 1, "%,.0f"))
            .append(" | ").append(cell(summary, peer, size, "recoverySeconds", 1, "%.1f"))
            .append(" |\n");
      }
      md.append('\n');
    }
    md.append(headlines(plan, summary));
    if (!replay.isEmpty()) {
      md.append(String.format(Locale.ROOT, "## Ours on the Direct runner: recovery against the receive log's length (%,d distinct words)%n%n"
          + "A restart restores the newest state version (state KB: the location's state/ at the kill: snapshots and"
          + " deltas) and replays the batches after it.%n%n"
          + "| log lines | log KB | state KB | recovery s |%n|---:|---:|---:|---:|%n", replay.get(0).distinctWords()));
      for (Results.Replay r : replay) {
        md.append(String.format(Locale.ROOT, "| %,d | %,d | %,d | %s |%n", r.logLines(), r.logBytes() >> 10, r.stateBytes() >> 10,
            r.recoverySeconds() == null ? "– (" + r.error() + ")" : String.format(Locale.ROOT, "%.1f", r.recoverySeconds())));
      }
      md.append('\n');
    }
    md.append("![Throughput](throughput.png)\n![Checkpoint duration](checkpoint-duration.png)\n![Recovery time](recovery.png)\n");
    md.append(replay.isEmpty() ? "\n" : "![Direct runner replay](replay.png)\n\n");
    md.append(HOW_MEASURED);
    List<String> errors = new ArrayList<>();
    throughput.stream().filter(r -> r.error() != null)
        .forEach(r -> errors.add(String.format("- %s, %,d words, repeat %d, throughput: %s", r.peer(), r.distinctWords(), r.repeat(), r.error())));
    latency.stream().filter(r -> r.error() != null)
        .forEach(r -> errors.add(String.format("- %s, %,d words, repeat %d, latency/recovery: %s", r.peer(), r.distinctWords(), r.repeat(), r.error())));
    if (!errors.isEmpty()) {
      md.append("\n## Runs that did not complete\n\n").append(String.join("\n", errors)).append('\n');
    }
    return md.toString();
  }

  private static String headlines(Plan plan, List<Results.Summary> summary) {
    StringBuilder md = new StringBuilder("## Headline ratios (throughput, lines/s)\n\n");
    md.append("| distinct words | ours-Flink ÷ Spark | ours-Flink ÷ native Flink | ours-Flink ÷ ceiling | ours-Direct ÷ Spark"
        + " | checkpointing on ÷ off (ours-Flink) | on ÷ off (native Flink) | receive log ÷ plain loop |\n"
        + "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int size : plan.distinctWords()) {
      md.append(String.format(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s | %s |%n", size,
          ratioCell(ratio(summary, Peer.OURS_FLINK, Peer.SPARK, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.OURS_FLINK, Peer.FLINK, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.OURS_FLINK, Peer.CEILING, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.OURS_DIRECT, Peer.SPARK, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.OURS_FLINK, Peer.OURS_FLINK_OFF, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.FLINK, Peer.FLINK_OFF, size, "linesPerSecond")),
          ratioCell(ratio(summary, Peer.RECEIVE_LOG, Peer.CEILING, size, "linesPerSecond"))));
    }
    return md.append('\n').toString();
  }

  private static String cell(List<Results.Summary> summary, Peer peer, int size, String name, double scale, String fmt) {
    Results.Figure f = figure(summary, peer, size, name);
    if (f == null) {
      return "–";
    }
    String median = String.format(Locale.ROOT, fmt, f.median() / scale);
    return f.n() < 2 ? median : median + " [" + String.format(Locale.ROOT, fmt, f.min() / scale) + "–"
        + String.format(Locale.ROOT, fmt, f.max() / scale) + "]";
  }

  /** Small ratios as fractions (1/230×), which stay readable where two decimals would show 0.00×. */
  private static String ratioCell(double r) {
    if (Double.isNaN(r)) {
      return "–";
    }
    return r >= 10 ? String.format(Locale.ROOT, "%,.0f×", r) : r >= 1 ? String.format(Locale.ROOT, "%.1f×", r)
        : r >= 0.1 ? String.format(Locale.ROOT, "%.2f×", r) : String.format(Locale.ROOT, "1/%,.0f×", 1 / r);
  }

  private static String gitCommit() {
    try {
      Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      return p.waitFor() == 0 ? s : "unknown";
    } catch (IOException | InterruptedException e) {
      return "unknown";
    }
  }

  static final String HOW_MEASURED = """
      ## How each figure is measured

      - **Input**: a loopback generator server (like our line server and `nc -lk`: one client, a restarted
        system reconnects) sends a sweep that names every distinct word once (so the state holds exactly
        that many keys), then Zipf-distributed lines (exponent 1.1, seed 42, 1 to 8 words per line) over the
        same words, cycled. It writes whole chunks as fast as the system reads them, but never more than fifteen seconds
        of input at the rate the sink showed over the last five (at least 50,000 words) ahead of it: Spark's socket source keeps every line in memory and ours writes them to its receive log, so
        unbounded input would measure hoarding. A system whose output trails its input by less than
        fifteen seconds always has input waiting, so its own speed is what is measured.
      - **Word count**: the seed's query everywhere: split on spaces, count per word over the whole stream,
        update mode (each batch's changed rows) into a sink that hands each row to a probe; native Flink's
        running sum hands it every updated count. The probe adds up the counts the sink shows: that sum is
        the number of words the system has fully processed, reported every 20 ms with the time it changed.
      - **Throughput**: after the sweep is counted and a warm-up, words the sink showed over the
        measurement window divided by the time between the probe's first and last change in it; lines/s
        is that divided by the stream's mean words per line.
      - **Receive log**: the plain loop with our receive log in front, as the socket source's receiver
        uses it (each read's lines appended to the segmented log file before they are counted, forced to
        disk once a second); its ratio to the plain loop is the log's own cost.
      - **CPU s per M words**: CPU time of the system's JVM (all threads, from the OS) over the window per
        million words; **peak RSS**: the JVM's VmHWM at the end of the window. All JVMs get the same heap
        limit (-Xmx3g).
      - **Checkpoint ms**: median over the window of what each system reports per checkpoint or batch:
        Flink's end-to-end checkpoint duration (ours on Flink: the checkpoint that released the batch),
        Spark's walCommit + commitOffsets + state store commit, ours on Direct walCommit + commitOffsets.
        **Checkpoint KB**: native Flink's reported checkpointed size; ours on Flink the size of the newest
        chk-N directory; Spark and ours on Direct the location's size divided by the batches committed
        (for ours on Direct that includes the receive log, which is its state).
      - **Latency**: at a steady rate (every 10 ms a tick's share of lines), a marker line of its own every
        100 ms; latency is the time from writing the marker to the socket until its count shows in the
        sink (both clocks are this machine's). The first second's markers are left out.
      - **Recovery**: after the latency run, once everything was counted and a checkpoint or batch commit
        covering it was reported, the JVM is killed with SIGKILL and started again on the same location;
        the generator then sends the hot word `w0` every 50 ms. Recovery is the time from starting the JVM
        until the sink shows a count of `w0` above its count before the kill, i.e. the first output that
        reflects all earlier input. Ours on Direct restores its newest state version from the location's
        state/ and replays only the batches committed after it; its recovery against the receive log's
        length is measured the same way at 10,000 distinct words after feeding more lines before the kill.
      """;
}
