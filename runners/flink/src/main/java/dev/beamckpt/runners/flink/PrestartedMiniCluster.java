package dev.beamckpt.runners.flink;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.RpcServiceSharing;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironmentFactory;
import org.apache.flink.util.MathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process Flink cluster that starts while the job is still being translated. Flink's local
 * executor starts a mini cluster only once it has the job graph, and that start (2 s here) was a
 * fifth of a restart's time to first output. This one starts as soon as its configuration is
 * known and is handed to the local executor through the execution environment Beam's Flink runner
 * asks Flink for ({@code --flinkMaster=[auto]} uses the context environment of the thread that
 * runs the pipeline). The executor then stops it with the job, as it does its own. If the job
 * needs a different cluster than the one guessed (slots, task managers), the executor gets a new
 * one, so a wrong guess costs only the time it would have cost anyway.
 */
public final class PrestartedMiniCluster {
  private static final Logger LOG = LoggerFactory.getLogger(PrestartedMiniCluster.class);
  /** How long replacing the early cluster waits for it to finish starting, and then to shut down. */
  private static final Duration REPLACE_WAIT = Duration.ofSeconds(30);

  private final Early cluster;
  /** The job's configuration, read once: the directory holds the job's settings before the start. */
  private final Configuration jobConf;
  private final AtomicBoolean taken = new AtomicBoolean();
  /** The cluster the executor ran the job on: this one, or the one started because the guess was wrong. */
  private volatile MiniCluster used;

  private PrestartedMiniCluster(Early cluster, Configuration jobConf) {
    this.cluster = cluster;
    this.jobConf = jobConf;
  }

  /** Begins starting a cluster for a job of {@code parallelism}, configured from {@code confDir}. */
  public static PrestartedMiniCluster start(String confDir, int parallelism) {
    Configuration jobConf = jobConfiguration(confDir);
    Early cluster = new Early(miniClusterConfiguration(jobConf, parallelism));
    Thread starter = new Thread(cluster::startEarly, "flink-mini-cluster-start");
    starter.setDaemon(true);
    starter.start();
    return new PrestartedMiniCluster(cluster, jobConf);
  }

  /** The configuration Beam's runner gives a local environment: the directory's file, leak check off. */
  private static Configuration jobConfiguration(String confDir) {
    Configuration conf = GlobalConfiguration.loadConfiguration(confDir);
    conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
    return conf;
  }

  /** What Flink's {@code PerJobMiniClusterFactory} makes of a configuration for a job's parallelism. */
  private static MiniClusterConfiguration miniClusterConfiguration(Configuration jobConf, int parallelism) {
    Configuration conf = new Configuration(jobConf);
    if (!conf.contains(RestOptions.BIND_PORT)) {
      conf.set(RestOptions.BIND_PORT, "0");
    }
    int taskManagers = conf.get(TaskManagerOptions.MINI_CLUSTER_NUM_TASK_MANAGERS);
    int slots = conf.getOptional(TaskManagerOptions.NUM_TASK_SLOTS)
        .orElseGet(() -> parallelism > 0 ? MathUtils.divideRoundUp(parallelism, taskManagers)
            : TaskManagerOptions.NUM_TASK_SLOTS.defaultValue());
    return new MiniClusterConfiguration.Builder().setConfiguration(conf).setNumTaskManagers(taskManagers)
        .setRpcServiceSharing(RpcServiceSharing.SHARED).setNumSlotsPerTaskManager(slots).build();
  }

  /**
   * Makes the next Flink execution environment this thread asks for run its job on this cluster.
   * Call it on the thread that then runs the pipeline.
   */
  public void useForThisThreadsJob() {
    ContextEnvironments.install(conf -> {
      ContextEnvironments.reset(); // once: later environments are Flink's usual ones
      if (taken.getAndSet(true)) {
        return StreamExecutionEnvironment.createLocalEnvironment();
      }
      Configuration envConf = new Configuration(jobConf);
      envConf.set(DeploymentOptions.TARGET, LocalExecutor.NAME);
      envConf.set(DeploymentOptions.ATTACHED, true);
      PipelineExecutor executor = LocalExecutor.createWithFactory(envConf, this::clusterFor);
      return new StreamExecutionEnvironment(new OneExecutor(executor), envConf, PrestartedMiniCluster.class.getClassLoader());
    });
  }

  /** The executor's cluster: this one if it was configured as the job needs, else a new one. */
  private MiniCluster clusterFor(MiniClusterConfiguration needed) {
    MiniClusterConfiguration guessed = cluster.configuration;
    if (needed.getNumTaskManagers() == guessed.getNumTaskManagers()
        && needed.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS)
            .equals(guessed.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS))) {
      used = cluster;
      return cluster;
    }
    LOG.info("The job needs {} task manager(s) with {} slot(s), not the {} with {} started early: starting those",
        needed.getNumTaskManagers(), needed.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS),
        guessed.getNumTaskManagers(), guessed.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS));
    closeAndAwait(); // the new cluster binds the same REST port: the early one must have let it go
    used = new MiniCluster(needed);
    return used;
  }

  /** Closes the early cluster once its start ended, and waits (bounded) until it is shut down. */
  private void closeAndAwait() {
    try {
      cluster.started.handle((ok, error) -> null).get(REPLACE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      cluster.closeAsync().get(REPLACE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("The cluster started early did not shut down within {} s ({}); starting the job's own anyway",
          REPLACE_WAIT.toSeconds(), e.toString());
    }
  }

  /** Stops the cluster if no job took it (the executor stops it with the job otherwise). */
  public void closeIfUnused() {
    if (!taken.getAndSet(true)) {
      close();
    }
  }

  /**
   * After the job ended: closes the cluster it ran on and waits, within {@code timeout}, until it
   * is shut down. The executor only begins that shutdown when the job ends; a JVM that exits
   * meanwhile runs Pekko's shutdown hook while Flink closes the class loader Pekko's classes come
   * from, and the hook fails with a NoClassDefFoundError.
   */
  public void awaitClosed(Duration timeout) throws InterruptedException {
    closeIfUnused();
    MiniCluster ran = used;
    if (ran == null) {
      return;
    }
    try {
      ran.closeAsync().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("The in-process Flink cluster did not shut down cleanly within {} s: {}", timeout.toSeconds(),
          e.getMessage());
    }
  }

  /** Completes once the early start has (for tests). */
  CompletableFuture<Void> started() {
    return cluster.started;
  }

  boolean running() {
    return cluster.isRunning();
  }

  private void close() {
    cluster.started.whenComplete((ok, error) -> cluster.closeAsync());
  }

  /** A mini cluster whose start began earlier: the executor's call waits for it. */
  private static final class Early extends MiniCluster {
    final MiniClusterConfiguration configuration;
    final CompletableFuture<Void> started = new CompletableFuture<>();

    Early(MiniClusterConfiguration configuration) {
      super(configuration);
      this.configuration = configuration;
    }

    void startEarly() {
      try {
        super.start();
        started.complete(null);
      } catch (Throwable t) {
        started.completeExceptionally(t);
      }
    }

    @Override
    public void start() throws Exception {
      try {
        started.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }

  /** Hands every configuration the one executor. */
  private record OneExecutor(PipelineExecutor executor) implements PipelineExecutorServiceLoader {
    @Override
    public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
      return new PipelineExecutorFactory() {
        @Override
        public String getName() {
          return LocalExecutor.NAME;
        }

        @Override
        public boolean isCompatibleWith(Configuration conf) {
          return true;
        }

        @Override
        public PipelineExecutor getExecutor(Configuration conf) {
          return executor;
        }
      };
    }

    @Override
    public Stream<String> getExecutorNames() {
      return Stream.of(LocalExecutor.NAME);
    }
  }

  /** Access to the environment factory Flink consults first ({@code protected} in Flink). */
  private abstract static class ContextEnvironments extends StreamExecutionEnvironment {
    static void install(StreamExecutionEnvironmentFactory factory) {
      initializeContextEnvironment(factory);
    }

    static void reset() {
      resetContextEnvironment();
    }
  }
}
