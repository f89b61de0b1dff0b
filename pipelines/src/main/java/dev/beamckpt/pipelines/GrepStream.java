package dev.beamckpt.pipelines;

import dev.beamckpt.sdk.OutputMode;
import dev.beamckpt.sdk.WriteStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * A query without state (the seed's FAQ: "checkpointing tracks offsets ... exactly-once
 * processing without state data"): the lines that match a regular expression, each written once,
 * in the batch that read it. With {@code --output} it writes files (JSON lines, or Avro).
 *
 * <pre>
 * bin/grep-stream --port=9999 --pattern=ERROR --output=/tmp/errors --checkpointLocation=/tmp/ckpt/errors
 * </pre>
 */
public final class GrepStream {
  private GrepStream() {}

  /** Adds the pattern to the shared query options. */
  public interface Options extends QueryOptions {
    @Description("The regular expression (Java syntax) a line must contain a match of, e.g. \"ERROR|WARN\".")
    @Validation.Required
    String getPattern();

    void setPattern(String value);
  }

  public static PCollection<String> matching(PCollection<String> lines, String pattern) {
    try {
      Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("--pattern '" + pattern + "' is not a regular expression: "
          + e.getDescription() + " near index " + e.getIndex() + ". Quote it for the shell; Java's syntax applies.");
    }
    return lines.apply("Matching", ParDo.of(new MatchFn(pattern)));
  }

  /** Keeps the lines with a match; compiles the pattern once per instance. */
  private static final class MatchFn extends DoFn<String, String> {
    private final String pattern;
    private transient Pattern compiled;

    MatchFn(String pattern) {
      this.pattern = pattern;
    }

    @Setup
    public void setup() {
      compiled = Pattern.compile(pattern);
    }

    @ProcessElement
    public void process(@Element String line, OutputReceiver<String> out) {
      if (compiled.matcher(line).find()) {
        out.output(line);
      }
    }
  }

  public static void main(String[] args) {
    QueryMain.run(filesWhenOutputGiven(args), "grep-stream", OutputMode.APPEND, Options.class,
        (lines, mode) -> WriteStream.ofValues(matching(lines, lines.getPipeline().getOptions().as(Options.class)
            .getPattern())).column("line"));
  }

  /** {@code --output} without {@code --sink} means files: what a user giving a directory wants. */
  static String[] filesWhenOutputGiven(String[] args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (all.stream().anyMatch(a -> a.startsWith("--output=")) && all.stream().noneMatch(a -> a.startsWith("--sink="))) {
      all.add("--sink=files");
    }
    return all.toArray(String[]::new);
  }
}
