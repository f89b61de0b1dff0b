package dev.beamckpt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir Path out;

  private static Results.Throughput run(Peer peer, int size, int repeat, double linesPerSecond) {
    return new Results.Throughput(peer.id, size, repeat, 2.0, linesPerSecond, linesPerSecond * 4.5, 1.0,
        100L << 20, 5, 40, 4096, 1 << 20, null);
  }

  @Test
  void tablesCarryMediansSpreadAndRatiosToSparkAndTheCeiling() throws Exception {
    Plan plan = Plan.quick();
    int size = plan.distinctWords().get(0);
    List<Results.Throughput> throughput = List.of(
        run(Peer.CEILING, size, 1, 1_000_000), run(Peer.SPARK, size, 1, 10_000), run(Peer.SPARK, size, 2, 30_000),
        run(Peer.OURS_FLINK, size, 1, 5_000), run(Peer.FLINK, size, 1, 100_000));
    List<Results.LatencyRecovery> latency = List.of(new Results.LatencyRecovery(Peer.OURS_FLINK.id, size, 1, 100, 30,
        800, 1200, 1500, 11.5, 6.0, 1234L, 1L << 20, null),
        new Results.LatencyRecovery(Peer.SPARK.id, size, 1, 0, 0, Double.NaN, Double.NaN, Double.NaN, null, null, null,
            null, "after the restart the sink never showed w0"));
    Plan withSpark = plan.withPeers(List.of(Peer.CEILING, Peer.OURS_FLINK, Peer.SPARK, Peer.FLINK)).withRepeats(2);
    List<Results.Replay> replay = List.of(new Results.Replay(Peer.OURS_DIRECT.id, 1_000, 2_100, 90_000, 4_000, 12.5, null),
        new Results.Replay(Peer.OURS_DIRECT.id, 1_000, 10_100, 450_000, 4_000, 31.0, null));

    Report.write(out, withSpark, throughput, latency, replay);

    String md = Files.readString(out.resolve("results.md"));
    assertTrue(md.contains("| Spark 3.5 (200 shuffle partitions, default) | 20,000 [10,000–30,000] |"), md);
    // ours on Flink: 5,000 / 20,000 Spark = 0.25×, / 1,000,000 ceiling = 1/200×, / 100,000 native Flink = 1/20×
    assertTrue(md.contains("| ours, Flink in-process | 5,000 | 22,500 | 0.25× | 1/200× |"), md);
    assertTrue(md.contains("| 0.25× | 1/20× | 1/200× |"), md);
    assertTrue(md.contains("800 / 1,200 | 11.5 |"), md);
    assertTrue(md.contains("after the restart the sink never showed w0"), md);
    assertTrue(md.contains("| 10,100 | 439 | 3 | 31.0 |"), md);
    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertEquals(5, json.path("throughput").size());
    assertEquals(20_000.0, json.path("summary").get(2).path("figures").path("linesPerSecond").path("median").asDouble());
    Files.delete(out.resolve("results.md"));
    Report.rewrite(out);
    assertTrue(Files.readString(out.resolve("results.md")).contains("| 10,100 | 439 | 3 | 31.0 |"), "rewritten from results.json");
    for (String chart : List.of("throughput.png", "checkpoint-duration.png", "recovery.png", "replay.png")) {
      byte[] png = Files.readAllBytes(out.resolve(chart));
      assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', chart);
    }
  }
}
