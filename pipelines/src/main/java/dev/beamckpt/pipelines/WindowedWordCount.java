package dev.beamckpt.pipelines;

import dev.beamckpt.checkpoint.execution.Intervals;
import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.QueryWindowing;
import dev.beamckpt.sdk.WriteStream;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * The seed's windowed word count (step 4): words counted in fixed windows over ingestion time,
 * each window emitted once when the watermark closes it (append mode).
 *
 * <pre>
 * bin/windowed-wordcount --port=9999 --checkpointLocation=/tmp/ckpt/windowed_count \
 *     --windowDuration="10 minutes" --watermarkDelay="1 minute" --trigger="10 seconds"
 * </pre>
 */
public final class WindowedWordCount {
  private WindowedWordCount() {}

  /** Adds the window size to the shared query options. */
  public interface Options extends QueryOptions {
    @Description("Size of the fixed event-time windows, e.g. \"10 minutes\".")
    @Default.String("10 minutes")
    String getWindowDuration();

    void setWindowDuration(String value);
  }

  public static PCollection<KV<String, Long>> countWords(PCollection<String> lines, OutputMode mode, Duration window) {
    return lines.apply("Words", WordCount.words())
        .apply("Window", QueryWindowing.into(FixedWindows.of(window), mode))
        .apply("CountWords", Count.perElement());
  }

  public static void main(String[] args) {
    QueryMain.run(args, "windowed-wordcount", OutputMode.APPEND, Options.class,
        (lines, mode) -> WriteStream.of(countWords(lines, mode, Duration.millis(Intervals.parse(
            lines.getPipeline().getOptions().as(Options.class).getWindowDuration(), "--windowDuration").toMillis())))
            .columns("word", "count"));
  }
}
