package dev.beamckpt.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beamckpt.runners.flink.JvmOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A query running in its own JVM, as a user runs it from bin/; its output captured for assertions. */
final class QueryProcess implements AutoCloseable {
  /** Every query JVM started and not yet known to be gone: a test that fails midway leaves none behind. */
  private static final Set<QueryProcess> STARTED = ConcurrentHashMap.newKeySet();
  private final Process process;
  private final StringBuffer out = new StringBuffer();
  private final StringBuffer err = new StringBuffer();

  private final List<Thread> pumps = new ArrayList<>();
  /** How much the query had printed on stderr when it was last signalled. */
  private volatile int stderrAtSignal;

  private QueryProcess(Process process) {
    this.process = process;
    pumps.add(pump(process.getInputStream(), out));
    pumps.add(pump(process.getErrorStream(), err));
  }

  static QueryProcess start(Class<?> main, String... args) throws IOException {
    return start(null, main, args);
  }

  /** Starts {@code main} in a new JVM with this JVM's class path; {@code stdin} null inherits nothing. */
  static QueryProcess start(Path stdin, Class<?> main, String... args) throws IOException {
    return start(List.of(), stdin, main, args);
  }

  /**
   * Starts {@code main} as a terminal starts a foreground command: with SIGINT at its default (a
   * build started in the background may have it ignored, and a JVM keeps an ignored SIGINT ignored).
   *
   * @param jvmArgs extra JVM options, e.g. a log level
   */
  static QueryProcess start(List<String> jvmArgs, Path stdin, Class<?> main, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!"));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(jvmArgs);
    cmd.addAll(JvmOptions.moduleOptions());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (stdin != null) {
      pb.redirectInput(stdin.toFile());
    }
    QueryProcess query = new QueryProcess(pb.start());
    STARTED.add(query);
    return query;
  }

  /**
   * SIGKILLs the query JVMs a test left running (it failed before stopping them), so they do not
   * outlive it and load the machine under the next tests; run after each test by {@link
   * QueryProcessCleanup}.
   */
  static void killLeftovers() throws InterruptedException {
    for (QueryProcess query : List.copyOf(STARTED)) {
      STARTED.remove(query);
      query.close();
    }
  }

  private static Thread pump(InputStream in, StringBuffer into) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          into.append(line).append('\n');
        }
      } catch (IOException ignored) {
        // process ended
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  String stdout() {
    return out.toString();
  }

  String stderr() {
    return err.toString();
  }

  /** Fails with the query's output if it has exited. */
  void assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError("Query exited (" + process.exitValue() + ")\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
    }
  }

  /** The last progress report the query printed (a JSON line on stderr with --printProgress). */
  JsonNode lastProgress() throws IOException {
    JsonNode last = null;
    for (String line : stderr().split("\n")) {
      if (line.startsWith("{") && line.contains("\"sources\"")) {
        last = PROGRESS_JSON.readTree(line);
      }
    }
    if (last == null) {
      throw new AssertionError("no progress printed:\n" + stderr());
    }
    return last;
  }

  private static final ObjectMapper PROGRESS_JSON = new ObjectMapper();

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Waits until standard output satisfies {@code condition}; fails with both streams if it does not. */
  void awaitStdout(Predicate<String> condition, Duration timeout, String what) throws Exception {
    await(what, timeout, () -> condition.test(stdout()));
  }

  /**
   * Polls {@code condition} until it holds; fails with the query's output if the query exits first
   * or the timeout passes. The condition is checked once more after an exit, so a query that
   * finished its work and exited still passes.
   */
  void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.call()) {
      if (!process.isAlive() && !condition.call()) {
        throw new AssertionError("Query exited (" + process.exitValue() + ") before " + what + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out waiting for " + what + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
      }
      Thread.sleep(20);
    }
  }

  /**
   * SIGTERM: the query stops gracefully and exits 0, with nothing on stderr but the line saying it
   * stops. Sent through {@link #signal}, so what the query prints while it stops is kept.
   */
  void stopGracefully(Duration timeout) throws Exception {
    signal("TERM");
    assertStoppedCleanly(timeout);
  }

  /** SIGTERM; returns the exit code, with what the query printed while it stopped. */
  int terminate(Duration timeout) throws Exception {
    signal("TERM");
    return awaitExit(timeout);
  }

  /** Ctrl+C: SIGINT, as a terminal sends it. */
  void interrupt() throws Exception {
    signal("INT");
  }

  /**
   * Sends a signal with perl (as for starting the query): Java cannot send SIGINT, `kill` is not on
   * every machine, and Process.destroy() also closes our ends of the query's output pipes, so what
   * it prints while stopping would be lost. STOP and CONT freeze and thaw it.
   */
  void signal(String name) throws Exception {
    stderrAtSignal = stderr().length();
    if (new ProcessBuilder("perl", "-e", "kill('" + name + "', " + process.pid() + ") or die $!").start().waitFor() != 0) {
      throw new AssertionError("sending SIG" + name + " to " + process.pid() + " failed");
    }
  }

  /**
   * Waits for a stopped query's exit: 0, no error and no stack trace on stderr, and no warning
   * since the signal (a warning before it, a lost connection say, is the test's business).
   */
  void assertStoppedCleanly(Duration timeout) throws InterruptedException {
    int code = awaitExit(timeout);
    String err = stderr();
    if (code != 0 || err.substring(Math.min(stderrAtSignal, err.length())).contains("] WARN ")
        || err.contains("ERROR") || err.contains("Exception") || err.contains("\tat ")) {
      throw new AssertionError("Query did not stop cleanly (exit " + code + ")\nstderr:\n" + err);
    }
  }

  void kill() throws InterruptedException {
    process.destroyForcibly(); // SIGKILL on Linux
    process.waitFor(30, TimeUnit.SECONDS);
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("Query did not exit within " + timeout + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
    }
    for (Thread pump : pumps) {
      pump.join(10_000); // everything the query printed before it exited
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  /** A whole batch: the table and the blank line ConsoleSink ends it with, so a table still being printed is not one. */
  private static final Pattern BATCH = Pattern.compile("-{43}\\nBatch: (\\d+)\\n-{43}\\n((?:[+|].*\\n)+)(?:only showing .*\\n)?\\n");

  /** The console batches printed so far: batch id and the table's rows as "key=value". */
  static List<ConsoleBatch> batches(String stdout) {
    List<ConsoleBatch> batches = new ArrayList<>();
    Matcher m = BATCH.matcher(stdout);
    while (m.find()) {
      List<String> rows = new ArrayList<>();
      String[] lines = m.group(2).split("\n");
      for (int i = 3; i < lines.length - 1; i++) { // skip rule, header, rule ... final rule
        String[] cells = lines[i].split("\\|");
        rows.add(cells[cells.length - 2].trim() + "=" + cells[cells.length - 1].trim());
      }
      batches.add(new ConsoleBatch(Long.parseLong(m.group(1)), rows));
    }
    return batches;
  }

  record ConsoleBatch(long id, List<String> rows) {
    /** A word count's rows as counts by word. */
    Map<String, Long> counts() {
      Map<String, Long> counts = new java.util.HashMap<>();
      for (String row : rows) {
        int eq = row.lastIndexOf('=');
        counts.put(row.substring(0, eq), Long.parseLong(row.substring(eq + 1)));
      }
      return counts;
    }
  }
}
