package dev.beamckpt.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import dev.beamckpt.io.socket.LineServer;
import dev.beamckpt.io.socket.ZipfLines;
import dev.beamckpt.pipelines.WordCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs aimed at the moments a checkpoint location is most exposed, while lines keep flowing:
 * between a batch's {@code offsets/N} and its {@code commits/N}, while a Flink checkpoint or a
 * stop's savepoint is being written, and while a restarted query recovers. The test watches the
 * location (every millisecond) and kills the moment the aimed phase shows; each trial reports
 * whether it hit. After the last kill: every line the receive log holds counted once, none twice
 * ({@link KillOracle}). {@code -Dcampaign.kills=N} runs N kills per test.
 */
@Tag(Campaign.TAG)
class PhaseKillTest {
  private static final int LINES_PER_SECOND = 2_000;
  /** How long a kill waits for its phase before killing anyway (a miss, reported). */
  private static final long AIM_TIMEOUT_MS = 20_000;
  @TempDir Path tmp;

  @Test
  void directBetweenABatchsOffsetsAndItsCommit() throws Exception {
    new Trials("Direct, offsets written, commit not", 61).aim(Phase.OFFSETS_NOT_COMMITTED).run(Campaign.kills(3));
  }

  @Test
  void directWhileRecovering() throws Exception {
    new Trials("Direct, recovering", 67).aim(Phase.RECOVERING).run(Campaign.kills(2));
  }

  @Test
  void flinkWhileACheckpointIsInFlight() throws Exception {
    new Trials("Flink in-process, checkpoint in flight", 71, "--runner=FlinkRunner")
        .aim(Phase.FLINK_CHECKPOINT_IN_FLIGHT).run(Campaign.kills(2));
  }

  @Test
  void flinkDuringAStopWithSavepoint() throws Exception {
    new Trials("Flink in-process, Ctrl+C then savepoint in flight", 73, "--runner=FlinkRunner")
        .aim(Phase.SAVEPOINT_IN_FLIGHT).run(Campaign.kills(2));
  }

  @Test
  void flinkWhileRecovering() throws Exception {
    new Trials("Flink in-process, recovering", 79, "--runner=FlinkRunner").aim(Phase.RECOVERING).run(Campaign.kills(1));
  }

  /** A moment of a query's life the test can see in its location. */
  enum Phase {
    /** A batch's offsets are written and its commit is not (DirectRunner: while the batch runs). */
    OFFSETS_NOT_COMMITTED {
      @Override
      boolean showsIn(Path location, Trial trial) throws IOException {
        return latest(location, "offsets") > latest(location, "commits");
      }
    },
    /** Flink created a checkpoint's directory and has not written its {@code _metadata}. */
    FLINK_CHECKPOINT_IN_FLIGHT {
      @Override
      boolean showsIn(Path location, Trial trial) throws IOException {
        return !Phase.inFlight(location, "chk-").stream().allMatch(trial.leftInFlight()::contains);
      }
    },
    /** After Ctrl+C: the stop's savepoint directory exists without its {@code _metadata}. */
    SAVEPOINT_IN_FLIGHT {
      @Override
      boolean showsIn(Path location, Trial trial) throws IOException {
        return !Phase.inFlight(location, "savepoint-").stream().allMatch(trial.leftInFlight()::contains);
      }

      @Override
      boolean stopsFirst() {
        return true;
      }
    },
    /** A restarted query recorded its run and has not committed yet: it restores or replays. */
    RECOVERING {
      @Override
      boolean showsIn(Path location, Trial trial) throws IOException {
        return latest(location, "runs") > trial.runsAtStart && latest(location, "commits") <= trial.commitsAtStart;
      }

      @Override
      boolean aimsAtStart() {
        return true;
      }
    };

    abstract boolean showsIn(Path location, Trial trial) throws IOException;

    /** Whether the query is sent Ctrl+C first, and the phase is one of its stop. */
    boolean stopsFirst() {
      return false;
    }

    /** Whether the phase follows a start, so the kill aims at a query just restarted. */
    boolean aimsAtStart() {
      return false;
    }

    private static long latest(Path location, String dir) throws IOException {
      return Locations.latest(LocalStorage.at(location), dir).orElse(-1L);
    }

    /** Directories named {@code prefix…} two levels under {@code state/} without their {@code _metadata}. */
    static Set<Path> inFlight(Path location, String prefix) throws IOException {
      Path state = location.resolve("state");
      if (!Files.isDirectory(state)) {
        return Set.of();
      }
      try (Stream<Path> found = Files.find(state, 2,
          (p, a) -> a.isDirectory() && p.getFileName().toString().startsWith(prefix))) {
        return found.filter(dir -> !Files.exists(dir.resolve("_metadata"))).collect(Collectors.toSet());
      } catch (UncheckedIOException e) {
        return Set.of(); // a directory Flink removed while we listed it: look again
      }
    }
  }

  /**
   * Where the query stood when its trial began: its latest commit and run, and the Flink checkpoint
   * and savepoint directories left without {@code _metadata} by earlier kills (not this trial's).
   */
  record Trial(long commitsAtStart, long runsAtStart, Set<Path> leftInFlight) {}

  /** Kill trials of one aim against a word count fed by a line server, then the oracle. */
  private final class Trials {
    private final String name;
    private final Random random;
    private final String[] runnerArgs;
    private Phase phase;

    Trials(String name, long seed, String... runnerArgs) {
      this.name = name;
      this.random = new Random(seed);
      this.runnerArgs = runnerArgs;
    }

    Trials aim(Phase phase) {
      this.phase = phase;
      return this;
    }

    void run(int kills) throws Exception {
      Path location = tmp.resolve("ckpt");
      CheckpointStorage storage = LocalStorage.at(location);
      Path output = tmp.resolve("out");
      // Enough lines for every kill to land while they flow: 40 s of lines per kill (the long form's
      // aimed kills took up to 50 s each on 2 busy cores, and at 15 s per kill the stream ran dry).
      List<String> lines = ZipfLines.generate(Math.max(20_000, kills * 40 * LINES_PER_SECOND), 2_000, 1.1, 42);
      try (LineServer server = LineServer.start(0)) {
        List<String> args = new ArrayList<>(List.of(runnerArgs));
        args.addAll(List.of("--port=" + server.port(), "--checkpointLocation=" + location, "--trigger=200 ms",
            "--sink=files", "--output=" + output));
        String[] argv = args.toArray(String[]::new);
        PacedSender sender = new PacedSender(server, lines, LINES_PER_SECOND);
        Trial started = trialOf(location);
        QueryProcess query = QueryProcess.start(WordCount.class, argv);
        int hits = 0;
        try {
          sender.start();
          for (int k = 0; k < kills; k++) {
            assertTrue(sender.sent() < lines.size(), "the stream ran dry before kill " + (k + 1) + " of " + kills
                + ": size it for more seconds per kill");
            // The running query committed since it started: a kill lands on a query at work.
            KillOracle.awaitCommitSince(started.commitsAtStart(), storage, query);
            if (phase.aimsAtStart()) {
              query.kill(); // unaimed; the restart, with committed work to restore, is the target
              started = trialOf(location);
              query = QueryProcess.start(WordCount.class, argv);
            } else {
              Thread.sleep(random.nextInt(500));
            }
            Trial trial = phase.aimsAtStart() ? started : trialOf(location);
            if (phase.stopsFirst()) {
              query.interrupt();
            }
            boolean hit = awaitPhase(location, trial, query);
            query.kill();
            hits += hit ? 1 : 0;
            System.out.printf("[phase kill] %s: SIGKILL %d of %d %s; %d lines sent so far%n", name, k + 1, kills,
                hit ? "hit the phase" : "missed the phase (killed after " + AIM_TIMEOUT_MS / 1000 + " s)",
                server.linesSent());
            started = trialOf(location);
            query = QueryProcess.start(WordCount.class, argv);
          }
          // Lines flow for 2 s more, into the query that survived the last kill.
          Thread.sleep(2_000);
        } finally {
          sender.stop();
        }
        long lost = KillOracle.finishAndCheck(server, lines, sender.sent(), storage, output, query);
        System.out.printf("[phase kill] %s: %d SIGKILLs, %d hit the phase; %d of %d lines lost in flight, 0 doubled,"
            + " counts = receive log%n", name, kills, hits, lost, sender.sent());
        assertTrue(hits * 2 >= kills, "at most half the kills may miss their phase: " + hits + " of " + kills + " hit");
      }
    }

    /** Polls the location every millisecond until the phase shows; false if it did not within the bound. */
    private boolean awaitPhase(Path location, Trial trial, QueryProcess query) throws Exception {
      long deadline = System.nanoTime() + AIM_TIMEOUT_MS * 1_000_000;
      while (System.nanoTime() < deadline) {
        if (phase.showsIn(location, trial)) {
          return true;
        }
        if (!phase.stopsFirst()) {
          query.assertAlive();
        }
        Thread.sleep(1);
      }
      return false;
    }

    private Trial trialOf(Path location) throws IOException {
      CheckpointStorage storage = LocalStorage.at(location);
      Set<Path> left = new HashSet<>(Phase.inFlight(location, "chk-"));
      left.addAll(Phase.inFlight(location, "savepoint-"));
      // Batches count from 1 and runs from 0: 0 commits, -1 runs when there are none.
      return new Trial(Locations.latest(storage, "commits").orElse(0L), Locations.latest(storage, "runs").orElse(-1L),
          left);
    }
  }
}
