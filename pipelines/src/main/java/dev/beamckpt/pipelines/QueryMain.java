package dev.beamckpt.pipelines;

import dev.beamckpt.checkpoint.execution.Intervals;
import dev.beamckpt.checkpoint.execution.QueryProgress;
import dev.beamckpt.io.pubsub.PubsubLinesIO;
import dev.beamckpt.io.socket.SocketIO;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.StreamingQuery;
import dev.beamckpt.sdk.StreamingQueryException;
import dev.beamckpt.sdk.WriteStream;
import dev.beamckpt.sdk.sink.ConsoleSink;
import dev.beamckpt.sdk.sink.FileSink;
import dev.beamckpt.sdk.sink.MemorySink;
import dev.beamckpt.sdk.sink.Sink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * Runs an example query from the command line: reads lines from {@code --host}/{@code --port} (or
 * standard input through an embedded line server) or messages from {@code --subscription} or
 * {@code --topic} (Pub/Sub), applies the query's aggregation, starts it
 * with the options' checkpoint location and trigger, and stops it gracefully on Ctrl+C.
 * Exit codes: 0 stopped (also by Ctrl+C or SIGTERM), 1 failed while running, 2 could not start;
 * 128 + the signal when a second Ctrl+C exits at once.
 */
final class QueryMain {
  private QueryMain() {}

  /** The query's transforms over the lines read, up to the rows it writes. */
  interface QueryBuilder {
    WriteStream<?, ?> build(PCollection<String> lines, OutputMode mode);
  }

  static void run(String[] args, String defaultName, OutputMode defaultMode, Class<? extends QueryOptions> optionsType,
      QueryBuilder builder) {
    SharedInput stdinServer = null;
    StreamingQuery query;
    SignalStop signals = SignalStop.install();
    try {
      PipelineOptionsFactory.register(optionsType);
      QueryOptions options;
      try {
        options = PipelineOptionsFactory.fromArgs(args).withValidation().as(optionsType);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(OptionErrors.explain(args, e), e);
      }
      if (options.getQueryName() == null) {
        options.setQueryName(defaultName);
      }
      OutputMode mode = WriteStream.outputModeOf(options, defaultMode);
      Sink sink = sink(options);
      Duration delay = Duration.millis(Intervals.parse(options.getWatermarkDelay(), "--watermarkDelay").toMillis());
      Pipeline pipeline = Pipeline.create(options);
      PCollection<String> lines;
      if (options.getSubscription() != null || options.getTopic() != null) {
        if (options.getPort() != null) {
          throw new IllegalArgumentException("--port and --" + (options.getTopic() != null ? "topic" : "subscription")
              + " name two inputs: a query reads one. Leave out --port to read Pub/Sub.");
        }
        PubsubLinesIO.Read read = PubsubLinesIO.read().withWatermarkDelay(delay);
        if (options.getSubscription() != null) {
          read = read.fromSubscription(options.getSubscription());
        }
        if (options.getTopic() != null) {
          read = read.fromTopic(options.getTopic()); // both: refused, naming them
        }
        lines = pipeline.apply("ReadLines", read);
      } else {
        int port;
        if (options.getPort() == null) {
          stdinServer = SharedInput.ofStandardInput(1);
          options.setHost("localhost");
          port = stdinServer.port(0);
        } else {
          port = options.getPort();
        }
        lines = pipeline.apply("ReadLines",
            SocketIO.read().withHost(options.getHost()).withPort(port).withWatermarkDelay(delay)
                .withReconnectAfterEndOfStream(stdinServer == null)); // standard input ends once
      }
      query = builder.build(lines, mode).outputMode(mode).sink(sink).start();
      if (options.getPrintProgress()) {
        startProgressPrinter(query);
      }
      noteWhereConsoleOutputGoes(options, sink);
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      closeQuietly(stdinServer);
      System.exit(2);
      return;
    }
    StreamingQuery running = query;
    signals.started(running);
    int code = 0;
    try {
      running.awaitTermination();
      String ended = running.status().message();
      if (!"Stopped".equals(ended)) { // a query that ends by itself says how (a Dataflow template written)
        System.err.println("Query '" + running.name() + "': " + ended);
      }
    } catch (StreamingQueryException e) {
      System.err.println("Error: " + e.getMessage());
      code = 1;
    }
    closeQuietly(stdinServer);
    exit(code);
  }

  /** Exits; if a library's shutdown hook hangs, halts after a bound instead of hanging. */
  static void exit(int code) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(EXIT_HOOKS_MS);
      } catch (InterruptedException e) {
        return;
      }
      Runtime.getRuntime().halt(code);
    }, "exit-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    System.exit(code);
  }

  private static final long EXIT_HOOKS_MS = 20_000;

  private static Sink sink(QueryOptions options) {
    return switch (options.getSink().toLowerCase(Locale.ROOT)) {
      case "console" -> ConsoleSink.create().withTruncate(false);
      case "memory" -> MemorySink.named(options.getQueryName());
      case "files" -> {
        if (options.getOutput() == null) {
          throw new IllegalArgumentException("--sink=files needs --output=<directory>");
        }
        yield FileSink.of(Path.of(options.getOutput()), FileSink.parseFormat(options.getFileFormat()));
      }
      default -> throw new IllegalArgumentException("--sink '" + options.getSink() + "' is not a sink: use console, memory or files.");
    };
  }

  /** On a Flink cluster the console sink runs in the TaskManager, not in this process. */
  private static void noteWhereConsoleOutputGoes(QueryOptions options, Sink sink) {
    String master = options.as(FlinkPipelineOptions.class).getFlinkMaster();
    if (sink instanceof ConsoleSink && FlinkRunner.class.isAssignableFrom(options.getRunner())
        && master != null && !master.startsWith("[")) {
      System.err.println("Query '" + options.getQueryName() + "' runs on the Flink cluster at " + master + ": its console"
          + " output appears in the TaskManager's standard output (web UI: Task Managers > Stdout;"
          + " bin/flink-cluster: taskmanager.log in the cluster directory).");
    }
  }

  private static void startProgressPrinter(StreamingQuery query) {
    Thread t = new Thread(() -> {
      long printed = -1;
      while (query.isActive()) {
        QueryProgress p = query.lastProgress();
        if (p != null && p.batchId() != printed) {
          printed = p.batchId();
          System.err.println(p.json());
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "progress-printer");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(SharedInput input) {
    if (input != null) {
      input.close();
    }
  }
}
