package dev.beamckpt.sdk.table;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.checkpoint.CheckpointLocation;
import dev.beamckpt.checkpoint.execution.BatchCommitter;
import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.sink.FileSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VoidCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the delivering step makes of the outputs a runner releases after a restore: the restored
 * checkpoint may hold outputs of an earlier checkpoint that a commit already holds together with
 * ones it does not, in one bundle. Only the latter make the next batch; appended rows would
 * otherwise be written twice.
 */
class StatefulResultTableDeliveryTest {
  private static final KvCoder<String, Void> ROWS = KvCoder.of(StringUtf8Coder.of(), VoidCoder.of());
  @TempDir Path tmp;

  @Test
  void outputsACommitHoldsAreLeftOutOfTheNextBatch() throws Exception {
    Path location = tmp.resolve("ckpt");
    CheckpointLocation.openForQuery(location.toString(), "q", PipelineFingerprint.of(List.of("source x")), "test").close();
    BatchCommitter committer = new BatchCommitter(location.toString(), List.of(), 10);
    FileSink sink = FileSink.json(tmp.resolve("out"));
    StatefulResultTable.DeliverFn<String, Void> deliver =
        new StatefulResultTable.DeliverFn<>(sink, OutputMode.APPEND, List.of("line"), ROWS, committer);
    deliver.setup();

    deliver.startBundle();
    deliver.process(output(1, "a"));
    deliver.process(output(2, "b"));
    deliver.finishBundle();
    assertEquals(List.of("{\"line\":\"a\"}", "{\"line\":\"b\"}"), Files.readAllLines(sink.fileOf(1)));

    // restored: outputs 1 and 2 (batch 1 holds them) released again with output 3, which no commit holds
    deliver.startBundle();
    deliver.process(output(1, "a"));
    deliver.process(output(2, "b"));
    deliver.process(output(3, "c"));
    deliver.finishBundle();
    assertEquals(List.of("{\"line\":\"c\"}"), Files.readAllLines(sink.fileOf(2)));
    assertEquals(new BatchCommitter.Committed(2, 3), committer.latest());

    // released again once more (a second restore): nothing new, no batch
    deliver.startBundle();
    deliver.process(output(3, "c"));
    deliver.finishBundle();
    assertEquals(new BatchCommitter.Committed(2, 3), committer.latest());
    assertEquals(false, Files.exists(sink.fileOf(3)));
  }

  private static StatefulResultTable.Batch output(long seq, String line) throws Exception {
    return StatefulResultTable.Batch.of(seq, 1_000 + seq, List.of(new StatefulResultTable.RowUpdate(null, null,
        CoderUtils.encodeToByteArray(StringUtf8Coder.of(), line), CoderUtils.encodeToByteArray(VoidCoder.of(), null), true)));
  }
}
