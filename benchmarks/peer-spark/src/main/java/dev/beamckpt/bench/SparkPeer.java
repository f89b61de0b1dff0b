package dev.beamckpt.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.split;

import java.util.Map;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;

/**
 * The seed's word count on Spark Structured Streaming, Java API: socket source, split and explode,
 * groupBy word count, {@code local[2]}, its own checkpointLocation. Update mode into foreachBatch,
 * whose rows go to the probe (the seed prints complete mode to the console; update mode keeps the
 * output each batch to the changed rows, as in our peer).
 *
 * <p>{@code SparkPeer <port> <checkpointLocation> <trigger ms> <shuffle partitions or "default">}
 */
public final class SparkPeer {
  private SparkPeer() {}

  public static void main(String[] args) throws Exception {
    SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("bench-wordcount")
        .config("spark.ui.enabled", "false");
    if (!args[3].equals("default")) {
      builder.config("spark.sql.shuffle.partitions", args[3]);
    }
    SparkSession spark = builder.getOrCreate();
    spark.streams().addListener(new CheckpointReporter());
    Dataset<Row> lines = spark.readStream().format("socket").option("host", "localhost").option("port", args[0]).load();
    Dataset<Row> counts = lines.select(explode(split(col("value"), " ")).alias("word"))
        .filter(col("word").notEqual(""))
        .groupBy("word").count();
    StreamingQuery query = counts.writeStream()
        .outputMode("update")
        .option("checkpointLocation", args[1])
        .trigger(Trigger.ProcessingTime(Long.parseLong(args[2])))
        .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, batchId) -> {
          Probe probe = Probe.get();
          for (Row row : batch.collectAsList()) {
            probe.update(row.getString(0), row.getLong(1));
          }
        })
        .start();
    query.awaitTermination();
  }

  /** Per batch: writing the offsets log, committing the state store and the commit log. */
  static final class CheckpointReporter extends StreamingQueryListener {
    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
      StreamingQueryProgress p = event.progress();
      Map<String, Long> d = p.durationMs();
      long stateCommit = 0;
      for (StateOperatorProgress op : p.stateOperators()) {
        stateCommit += op.commitTimeMs();
      }
      if (d.containsKey("walCommit")) {
        Probe.get().checkpoint(d.get("walCommit") + d.getOrDefault("commitOffsets", 0L) + stateCommit, -1);
      }
    }

    @Override
    public void onQueryIdle(QueryIdleEvent event) {}

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {}
  }
}
