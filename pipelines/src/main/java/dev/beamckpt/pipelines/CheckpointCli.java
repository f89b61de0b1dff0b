package dev.beamckpt.pipelines;

import dev.beamckpt.checkpoint.LocationDescription;
import java.io.IOException;
import java.util.Arrays;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code bin/checkpoint describe <location> [--gcsEndpoint=…]}: what a checkpoint location holds.
 * Options after the location say how to reach its storage, as the query was told.
 */
public final class CheckpointCli {
  private CheckpointCli() {}

  public static void main(String[] args) {
    if (args.length < 2 || !args[0].equals("describe") || args[1].startsWith("--")) {
      System.err.println("Usage: checkpoint describe <checkpointLocation> [--gcsEndpoint=<url>] [--s3Endpoint=<url>]");
      System.exit(2);
    }
    try {
      PipelineOptions options = PipelineOptionsFactory.fromArgs(Arrays.copyOfRange(args, 2, args.length)).create();
      System.out.print(LocationDescription.describe(args[1], options));
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      System.exit(1);
    }
  }
}
