package dev.beamckpt.runners.flink;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code bin/flink-cluster start [--taskmanagers=n] [--high-availability] [-Dkey=value ...] | stop |
 * status | kill-taskmanager [--index=i] | start-taskmanager [--index=i] | kill-jobmanager |
 * start-jobmanager} {@code [--dir=<dir>]}: a local Flink session cluster from Maven jars. {@code -D}
 * adds a setting to its configuration, as with Flink's scripts (an object store's endpoint and
 * credentials for its filesystems); {@code --high-availability} adds a ZooKeeper server and
 * ZooKeeper high availability. The directory (default {@code /tmp/beamckpt-flink}) holds its
 * configuration, logs and pids.
 */
public final class FlinkClusterCli {
  private FlinkClusterCli() {}

  public static void main(String[] args) throws Exception {
    String command = null;
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "beamckpt-flink");
    int taskManagers = 1;
    int index = 0;
    boolean highAvailability = false;
    Map<String, String> settings = new LinkedHashMap<>();
    for (String a : args) {
      if (a.startsWith("-D") && a.indexOf('=') > 2) {
        settings.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else if (a.startsWith("--dir=")) {
        dir = Path.of(a.substring("--dir=".length()));
      } else if (a.startsWith("--taskmanagers=")) {
        taskManagers = number(a);
      } else if (a.equals("--high-availability")) {
        highAvailability = true;
      } else if (a.startsWith("--index=")) {
        index = number(a);
      } else if (command == null) {
        command = a;
      } else {
        usage();
      }
    }
    if (command == null) {
      usage();
    }
    try {
      System.exit(run(command, dir, taskManagers, index, settings, highAvailability));
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      System.exit(1);
    }
  }

  private static int number(String option) {
    String value = option.substring(option.indexOf('=') + 1);
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      System.err.println("Error: " + option + " is not valid: it takes a whole number.");
      System.exit(2);
      return 0;
    }
  }

  private static int run(String command, Path dir, int taskManagers, int index, Map<String, String> settings,
      boolean highAvailability) throws IOException, InterruptedException {
    Optional<FlinkSessionCluster> attached = FlinkSessionCluster.attach(dir);
    switch (command) {
      case "start" -> {
        FlinkSessionCluster cluster = FlinkSessionCluster.start(dir, System.getProperty("java.class.path"), taskManagers,
            settings, highAvailability);
        System.out.println("Flink session cluster started (JobManager and " + taskManagers + " TaskManager"
            + (taskManagers == 1 ? "" : "s, one slot each") + (highAvailability ? ", ZooKeeper high availability" : "")
            + ").");
        printStatus(cluster);
        System.out.println("Submit with: --runner=FlinkRunner --flinkMaster=" + cluster.master());
        return 0;
      }
      case "status" -> {
        if (attached.isEmpty() || !attached.get().jobManagerAlive()) {
          System.out.println("No Flink cluster is running from " + dir + ".");
          return 3;
        }
        printStatus(attached.get());
        return 0;
      }
      case "stop" -> {
        if (attached.isEmpty()) {
          System.out.println("No Flink cluster was started from " + dir + ".");
          return 0;
        }
        attached.get().stop();
        System.out.println("Flink session cluster stopped.");
        return 0;
      }
      case "kill-taskmanager" -> {
        requireRunning(attached, dir).killTaskManager(index);
        System.out.println("TaskManager " + index + " killed with SIGKILL.");
        return 0;
      }
      case "start-taskmanager" -> {
        FlinkSessionCluster cluster = requireRunning(attached, dir);
        cluster.startTaskManager(index);
        System.out.println("TaskManager " + index + " started and registered.");
        return 0;
      }
      case "kill-jobmanager" -> {
        FlinkSessionCluster cluster = requireRunning(attached, dir);
        cluster.killJobManager();
        System.out.println("JobManager killed with SIGKILL. " + (cluster.highAvailability()
            ? "Start it again with `bin/flink-cluster start-jobmanager`: it takes its jobs back from ZooKeeper."
            : "Without high availability its jobs are gone; start it again with `bin/flink-cluster start-jobmanager`."));
        return 0;
      }
      case "start-jobmanager" -> {
        if (attached.isEmpty()) {
          throw new IOException("No Flink cluster was started from " + dir + ": start one with `bin/flink-cluster start`.");
        }
        attached.get().startJobManager();
        System.out.println("JobManager started; every TaskManager registered with it.");
        return 0;
      }
      default -> {
        usage();
        return 2;
      }
    }
  }

  private static FlinkSessionCluster requireRunning(Optional<FlinkSessionCluster> attached, Path dir) throws IOException {
    if (attached.isEmpty() || !attached.get().jobManagerAlive()) {
      throw new IOException("No Flink cluster is running from " + dir + ": start one with `bin/flink-cluster start`.");
    }
    return attached.get();
  }

  private static void printStatus(FlinkSessionCluster cluster) throws IOException {
    System.out.println("  web UI:       " + cluster.webUrl());
    System.out.println("  TaskManagers: " + cluster.registeredTaskManagers() + " registered"
        + " of " + cluster.taskManagers() + (cluster.taskManagerAlive() ? "" : " (a TaskManager process is not running)"));
    if (cluster.highAvailability()) {
      System.out.println("  ZooKeeper:    " + cluster.zooKeeperQuorum() + " (high availability; jobs and checkpoints in "
          + cluster.directory().resolve("ha") + ")");
    }
    System.out.println("  directory:    " + cluster.directory() + " (configuration, logs)");
  }

  private static void usage() {
    System.err.println("Usage: flink-cluster start [--taskmanagers=n] [--high-availability] [-Dkey=value ...] | stop"
        + " | status | kill-taskmanager [--index=i] | start-taskmanager [--index=i] | kill-jobmanager"
        + " | start-jobmanager   [--dir=<dir>]");
    System.exit(2);
  }
}
