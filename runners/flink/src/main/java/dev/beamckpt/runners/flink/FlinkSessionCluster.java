package dev.beamckpt.runners.flink;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.flink.util.FileUtils;

/**
 * A Flink 1.19 session cluster started from this JVM's class path (Maven-resolved Flink jars, no
 * distribution): a JobManager ({@code StandaloneSessionClusterEntrypoint}) and a TaskManager
 * ({@code TaskManagerRunner}) as separate processes on loopback ports chosen free at start, with
 * Flink's web UI on the REST port.
 *
 * <p>With high availability a ZooKeeper server ({@code FlinkZooKeeperQuorumPeer}, as Flink's
 * {@code bin/start-zookeeper-quorum.sh} runs it) is a third kind of process: the JobManager keeps
 * its jobs and their completed checkpoints there and in {@code ha/}, so a JobManager started again
 * after a crash takes its jobs back and restores them, instead of forgetting them.
 *
 * <p>Everything lives in one directory: the generated {@code conf/flink-conf.yaml}, each process's
 * log, and {@code cluster.properties} (ports and pids) so that {@link #attach} finds a cluster
 * started by another process. The processes outlive the JVM that started them.
 */
public final class FlinkSessionCluster {
  private static final String STATE_FILE = "cluster.properties";
  private static final String SETTING = "conf.";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final Path dir;
  private final Properties state;

  private FlinkSessionCluster(Path dir, Properties state) {
    this.dir = dir;
    this.state = state;
  }

  /** Starts a JobManager and a TaskManager; returns once the TaskManager has registered. */
  public static FlinkSessionCluster start(Path dir) throws IOException, InterruptedException {
    return start(dir, System.getProperty("java.class.path"), 1);
  }

  /** Starts a cluster whose processes run with {@code classPath}, with one TaskManager. */
  public static FlinkSessionCluster start(Path dir, String classPath) throws IOException, InterruptedException {
    return start(dir, classPath, 1);
  }

  /**
   * This JVM's class path without this project and without Beam: what a Flink distribution's
   * {@code lib/} offers a job, so that a job must bring Beam and its own classes in a job jar.
   */
  public static String flinkOnlyClassPath() {
    return ClassPathEntry.all().stream()
        .filter(e -> new File(e).isFile() && !ClassPathEntry.holds(e, "dev/beamckpt/") && !ClassPathEntry.holds(e, "org/apache/beam/"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /**
   * Starts a cluster whose processes run with {@code classPath}: a JobManager and {@code
   * taskManagers} TaskManager processes (one with two slots, or several with one slot each, so
   * that a job of parallelism n spreads over n JVMs); returns once all have registered.
   */
  public static FlinkSessionCluster start(Path dir, String classPath, int taskManagers)
      throws IOException, InterruptedException {
    return start(dir, classPath, taskManagers, Map.of());
  }

  /**
   * As {@link #start(Path, String, int)}, with {@code settings} added to the cluster's
   * configuration, as Flink's scripts take {@code -Dkey=value}: e.g. the endpoint and credentials of
   * the object store its jobs keep their state on ({@code s3.endpoint}, {@code gs.storage.root.url}).
   * Its processes load Flink's filesystem plugins from the folder the build filled (S3, GCS).
   */
  public static FlinkSessionCluster start(Path dir, String classPath, int taskManagers, Map<String, String> settings)
      throws IOException, InterruptedException {
    return start(dir, classPath, taskManagers, settings, false);
  }

  /**
   * As {@link #start(Path, String, int, Map)}; with {@code highAvailability} it first starts a
   * ZooKeeper server and configures ZooKeeper high availability, with {@code ha/} in the cluster's
   * directory as its storage (Flink's {@code high-availability.storageDir}).
   */
  public static FlinkSessionCluster start(Path dir, String classPath, int taskManagers, Map<String, String> settings,
      boolean highAvailability) throws IOException, InterruptedException {
    if (taskManagers < 1) {
      throw new IllegalArgumentException("A Flink cluster needs at least one TaskManager, not " + taskManagers);
    }
    Optional<FlinkSessionCluster> running = attach(dir);
    if (running.isPresent() && running.get().jobManagerAlive()) {
      throw new IOException("A Flink cluster from " + dir + " is already running (web UI " + running.get().webUrl()
          + "): stop it first with `bin/flink-cluster stop`.");
    }
    Files.createDirectories(dir.resolve("conf"));
    Properties state = new Properties();
    state.setProperty("classpath", classPath);
    state.setProperty("taskmanagers", String.valueOf(taskManagers));
    settings.forEach((k, v) -> state.setProperty(SETTING + k, v));
    for (String port : List.of("rest", "jobmanager.rpc", "blob")) {
      state.setProperty(port + ".port", String.valueOf(freePort()));
    }
    if (highAvailability) {
      state.setProperty("zookeeper.port", String.valueOf(freePort()));
    }
    FlinkSessionCluster cluster = new FlinkSessionCluster(dir, state);
    Files.writeString(dir.resolve("conf/flink-conf.yaml"), cluster.configuration());
    if (highAvailability) {
      cluster.deleteHighAvailabilityData(); // a cluster started here before must not hand its jobs to this one
      cluster.startZooKeeper();
    }
    cluster.launchJobManager();
    for (int i = 0; i < taskManagers; i++) {
      cluster.startTaskManager(i);
    }
    return cluster;
  }

  /** The cluster whose state {@code dir} holds, if one was started there. */
  public static Optional<FlinkSessionCluster> attach(Path dir) throws IOException {
    Path file = dir.resolve(STATE_FILE);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties state = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      state.load(in);
    }
    return Optional.of(new FlinkSessionCluster(dir, state));
  }

  /** What {@code --flinkMaster} takes to submit to this cluster. */
  public String master() {
    return "localhost:" + port("rest");
  }

  public String webUrl() {
    return "http://localhost:" + port("rest");
  }

  public Path directory() {
    return dir;
  }

  /** Whether the cluster runs with ZooKeeper high availability. */
  public boolean highAvailability() {
    return state.containsKey("zookeeper.port");
  }

  /** The ZooKeeper quorum of a cluster with high availability ({@code host:port}). */
  public String zooKeeperQuorum() {
    return "localhost:" + port("zookeeper");
  }

  /** How many TaskManager processes the cluster was started with. */
  public int taskManagers() {
    return Integer.parseInt(state.getProperty("taskmanagers", "1"));
  }

  /** Starts the first TaskManager again (after {@link #killTaskManager}). */
  public void startTaskManager() throws IOException, InterruptedException {
    startTaskManager(0);
  }

  /**
   * Starts TaskManager {@code index} (again, after {@link #killTaskManager(int)}) and waits until it
   * has registered: a TaskManager id the JobManager did not list before.
   */
  public void startTaskManager(int index) throws IOException, InterruptedException {
    checkIndex(index);
    Set<String> before = taskManagerIds();
    launchTaskManager(index);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (before.containsAll(taskManagerIds())) {
      if (!taskManagerAlive(index)) {
        throw new IOException("The Flink TaskManager exited at start; see " + taskManagerLog(index) + logTail(index));
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("The new TaskManager did not register within " + START_TIMEOUT.toSeconds() + " s; see "
            + taskManagerLog(index) + logTail(index));
      }
      Thread.sleep(200);
    }
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= taskManagers()) {
      throw new IllegalArgumentException("TaskManager " + index + " does not exist: this cluster has " + taskManagers()
          + " (0 to " + (taskManagers() - 1) + ")");
    }
  }

  /** TaskManager 0 logs to taskmanager.log (one TaskManager, one log, as before); others to taskmanager-i.log. */
  public Path taskManagerLog(int index) {
    return dir.resolve(taskManagerRole(index) + ".log");
  }

  private static String taskManagerRole(int index) {
    return index == 0 ? "taskmanager" : "taskmanager-" + index;
  }

  /** The end of a TaskManager's log, so a failure in CI shows its cause. */
  private String logTail(int index) {
    try {
      List<String> lines = Files.readAllLines(taskManagerLog(index));
      return "\n  ..." + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  /** Ids of the TaskManagers the JobManager lists; empty while its REST endpoint is not up yet. */
  private Set<String> taskManagerIds() {
    Set<String> ids = new HashSet<>();
    try {
      rest("/taskmanagers").path("taskmanagers").forEach(tm -> ids.add(tm.path("id").asText()));
    } catch (IOException notUpYet) {
      // the JobManager is still starting
    }
    return ids;
  }

  private void launchTaskManager(int index) throws IOException {
    long pid = launch(taskManagerRole(index), "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
        List.of("-Xmx640m", "-XX:MaxDirectMemorySize=256m", "-XX:MaxMetaspaceSize=256m"));
    state.setProperty(taskManagerRole(index) + ".pid", String.valueOf(pid));
    saveState();
  }

  private void launchJobManager() throws IOException {
    state.setProperty("jobmanager.pid", String.valueOf(launch("jobmanager",
        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", List.of("-Xmx512m"))));
    saveState();
  }

  /**
   * A standalone ZooKeeper server on its own port, with its data in {@code zookeeper/}; returns once
   * it accepts connections. Its ticks are short so that the session of a killed JobManager expires,
   * and a new one can lead, within seconds (Flink's session timeout below is 6 s).
   */
  private void startZooKeeper() throws IOException, InterruptedException {
    Path config = dir.resolve("conf/zoo.cfg");
    Files.writeString(config, String.join("\n",
        "tickTime=500",
        "initLimit=10",
        "syncLimit=5",
        "dataDir=" + dir.resolve("zookeeper"),
        "clientPort=" + port("zookeeper"),
        "clientPortAddress=localhost",
        "maxSessionTimeout=20000",
        "admin.enableServer=false",
        ""));
    state.setProperty("zookeeper.pid", String.valueOf(launch("zookeeper",
        "org.apache.flink.runtime.zookeeper.FlinkZooKeeperQuorumPeer", List.of("-Xmx128m"),
        "--zkConfigFile", config.toString(), "--peerId", "1")));
    saveState();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!accepts(port("zookeeper"))) {
      if (!process("zookeeper.pid").map(ProcessHandle::isAlive).orElse(false)) {
        throw new IOException("ZooKeeper exited at start; see " + dir.resolve("zookeeper.log"));
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("ZooKeeper did not accept connections within " + START_TIMEOUT.toSeconds() + " s; see "
            + dir.resolve("zookeeper.log"));
      }
      Thread.sleep(100);
    }
  }

  private void deleteHighAvailabilityData() throws IOException {
    for (String sub : List.of("ha", "zookeeper")) {
      FileUtils.deleteDirectory(dir.resolve(sub).toFile()); // nothing to do where absent
    }
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGKILLs the JobManager, as a crashed machine would lose it. Without high availability its
   * jobs are gone with it; with it, a JobManager started again restores them from their newest
   * completed checkpoint. The TaskManagers keep trying to reach it.
   */
  public void killJobManager() throws InterruptedException {
    kill("jobmanager.pid", true);
  }

  /**
   * Starts the JobManager again (after {@link #killJobManager}) on the same ports, and waits until
   * every TaskManager has registered with it.
   */
  public void startJobManager() throws IOException, InterruptedException {
    if (jobManagerAlive()) {
      throw new IllegalStateException("The JobManager of the cluster in " + dir + " is running");
    }
    launchJobManager();
    awaitTaskManagers(taskManagers(), START_TIMEOUT);
  }

  /** SIGKILLs the first TaskManager, as a crashed machine would lose it. */
  public void killTaskManager() throws InterruptedException {
    killTaskManager(0);
  }

  /** SIGKILLs TaskManager {@code index}. */
  public void killTaskManager(int index) throws InterruptedException {
    checkIndex(index);
    kill(taskManagerRole(index) + ".pid", true);
  }

  /** TaskManagers registered with the JobManager, from the REST API's {@code /overview}. */
  public int registeredTaskManagers() throws IOException {
    return rest("/overview").path("taskmanagers").asInt();
  }

  /**
   * Cancels every job that has not ended: a query process that was killed leaves its job running
   * (the job is detached from it), holding slots the next query needs.
   */
  public void cancelUnfinishedJobs() throws IOException {
    FlinkRest flink = new FlinkRest(master());
    for (String jobId : flink.activeJobs()) {
      flink.cancel(jobId);
    }
  }

  /** GETs a path of Flink's REST API (e.g. {@code /jobs/<id>/checkpoints}). */
  public JsonNode rest(String path) throws IOException {
    return new FlinkRest(master()).get(path);
  }


  public void awaitTaskManagers(int count, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!jobManagerAlive()) {
        throw new IOException("The Flink JobManager exited; see " + dir.resolve("jobmanager.log"));
      }
      try {
        if (registeredTaskManagers() == count) {
          return;
        }
      } catch (IOException notUpYet) {
        // the REST endpoint opens a moment after the process starts
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("The Flink cluster in " + dir + " did not reach " + count + " TaskManager(s) within "
            + timeout.toSeconds() + " s; see " + dir.resolve("jobmanager.log") + " and " + taskManagerLog(0));
      }
      Thread.sleep(200);
    }
  }

  public boolean jobManagerAlive() {
    return process("jobmanager.pid").map(ProcessHandle::isAlive).orElse(false);
  }

  /** Whether every TaskManager process runs. */
  public boolean taskManagerAlive() {
    for (int i = 0; i < taskManagers(); i++) {
      if (!taskManagerAlive(i)) {
        return false;
      }
    }
    return true;
  }

  public boolean taskManagerAlive(int index) {
    return process(taskManagerRole(index) + ".pid").map(ProcessHandle::isAlive).orElse(false);
  }

  /** Stops every process (SIGTERM, then SIGKILL if they linger) and forgets the cluster. */
  public void stop() throws IOException, InterruptedException {
    for (int i = 0; i < taskManagers(); i++) {
      kill(taskManagerRole(i) + ".pid", false);
    }
    kill("jobmanager.pid", false);
    kill("zookeeper.pid", false);
    deleteHighAvailabilityData(); // a stopped cluster's jobs end with it, as without high availability
    Files.deleteIfExists(dir.resolve(STATE_FILE));
  }

  private long launch(String role, String mainClass, List<String> jvmOptions, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JvmOptions.moduleOptions());
    cmd.addAll(jvmOptions);
    // Flink's scripts add these settings' JVM options (e.g. credentials as system properties).
    for (String key : List.of("env.java.opts.all", "env.java.opts." + (role.equals("jobmanager") ? "jobmanager" : "taskmanager"))) {
      String opts = state.getProperty(SETTING + key, "").strip();
      if (!opts.isEmpty()) {
        cmd.addAll(List.of(opts.split("\\s+")));
      }
    }
    cmd.add("-Dlog.file=" + dir.resolve(role + ".log"));
    cmd.add("-cp");
    cmd.add(state.getProperty("classpath", System.getProperty("java.class.path")));
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(dir.resolve("conf").toString());
    cmd.addAll(List.of(args));
    Path log = dir.resolve(role + ".log");
    ProcessBuilder builder = new ProcessBuilder(cmd);
    // Flink's entry points load filesystem plugins from here, as from a distribution's plugins/.
    builder.environment().put("FLINK_PLUGINS_DIR", FlinkFileSystems.pluginsDirectory().toAbsolutePath().toString());
    Process p = builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    return p.pid();
  }

  private void kill(String pidKey, boolean forcibly) throws InterruptedException {
    Optional<ProcessHandle> p = process(pidKey);
    if (p.isEmpty() || !p.get().isAlive()) {
      return;
    }
    if (forcibly) {
      p.get().destroyForcibly();
    } else {
      p.get().destroy();
    }
    try {
      p.get().onExit().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      p.get().destroyForcibly();
    }
  }

  private Optional<ProcessHandle> process(String pidKey) {
    String pid = state.getProperty(pidKey);
    return pid == null ? Optional.empty() : ProcessHandle.of(Long.parseLong(pid));
  }

  private int port(String name) {
    return Integer.parseInt(state.getProperty(name + ".port"));
  }

  private void saveState() {
    try (OutputStream out = Files.newOutputStream(dir.resolve(STATE_FILE))) {
      state.store(out, "Flink session cluster started by bin/flink-cluster");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Without the distribution's scripts nothing derives the TaskManager's memory from a total, so
   * every component is set (DESIGN.md: the TaskManager exits at start otherwise).
   */
  private String configuration() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.rpc.port", String.valueOf(port("jobmanager.rpc")));
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", String.valueOf(port("rest")));
    c.put("blob.server.port", String.valueOf(port("blob")));
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    // Each TaskManager binds ports the OS picks when it starts: one started right after a SIGKILL
    // must not wait for the dead one's ports to be released.
    c.put("taskmanager.rpc.port", "0");
    c.put("taskmanager.data.port", "0");
    c.put("taskmanager.numberOfTaskSlots", taskManagers() == 1 ? "2" : "1");
    c.put("taskmanager.cpu.cores", "2");
    c.put("taskmanager.memory.framework.heap.size", "128m");
    c.put("taskmanager.memory.task.heap.size", "512m");
    c.put("taskmanager.memory.managed.size", "128m");
    c.put("taskmanager.memory.framework.off-heap.size", "128m");
    c.put("taskmanager.memory.task.off-heap.size", "0m");
    c.put("taskmanager.memory.network.min", "64m");
    c.put("taskmanager.memory.network.max", "64m");
    c.put("taskmanager.memory.jvm-metaspace.size", "256m");
    c.put("taskmanager.memory.jvm-overhead.min", "192m");
    c.put("taskmanager.memory.jvm-overhead.max", "192m");
    // A lost TaskManager is noticed in seconds, not the default 50, so a job restarts promptly.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("parallelism.default", "1");
    // The cluster's class path already holds this project and its dependencies: one copy of each
    // class, so a job's classes match the ones the cluster loaded (and receivers outlive job restarts).
    c.put("classloader.resolve-order", "parent-first");
    // Jobs keep this many completed checkpoints in their --checkpointLocation (a JobManager setting).
    c.put("state.checkpoints.num-retained", "3");
    c.put("web.submit.enable", "true");
    if (highAvailability()) {
      c.put("high-availability.type", "zookeeper");
      c.put("high-availability.zookeeper.quorum", zooKeeperQuorum());
      c.put("high-availability.storageDir", dir.resolve("ha").toUri().toString());
      // A killed JobManager's leadership lapses with its ZooKeeper session: seconds, not a minute.
      c.put("high-availability.zookeeper.client.session-timeout", "6000");
      c.put("high-availability.zookeeper.client.connection-timeout", "5000");
    }
    state.stringPropertyNames().stream().filter(k -> k.startsWith(SETTING)).sorted()
        .forEach(k -> c.put(k.substring(SETTING.length()), state.getProperty(k)));
    StringBuilder yaml = new StringBuilder("# Generated by FlinkSessionCluster\n");
    c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
    return yaml.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
