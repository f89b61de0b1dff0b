package dev.beamckpt.pipelines;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.QueryWindowing;
import dev.beamckpt.sdk.WriteStream;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.FlatMapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * The seed's socket word count (step 1): split lines into words, count each word over the whole
 * stream, print the complete result table every trigger.
 *
 * <pre>
 * bin/wordcount --port=9999 --checkpointLocation=/tmp/ckpt/word_count --trigger="10 seconds"
 * </pre>
 */
public final class WordCount {
  /** Compiled once: {@code String.split("\\s+")} compiles its pattern at every line. */
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private WordCount() {}

  /** Lines to words: split on whitespace, empty strings dropped. */
  public static PTransform<PCollection<String>, PCollection<String>> words() {
    return new PTransform<>() {
      @Override
      public PCollection<String> expand(PCollection<String> lines) {
        return lines
            .apply("SplitWords", FlatMapElements.into(TypeDescriptors.strings()).via((String line) -> Arrays.asList(WHITESPACE.split(line))))
            .apply("DropEmpty", Filter.by((String w) -> !w.isEmpty()));
      }
    };
  }

  public static PCollection<KV<String, Long>> countWords(PCollection<String> lines, OutputMode mode) {
    return lines.apply("Words", words())
        .apply("Window", QueryWindowing.global(mode))
        .apply("CountWords", Count.perElement());
  }

  public static void main(String[] args) {
    QueryMain.run(args, "wordcount", OutputMode.COMPLETE, QueryOptions.class,
        (lines, mode) -> WriteStream.of(countWords(lines, mode)).columns("word", "count"));
  }
}
