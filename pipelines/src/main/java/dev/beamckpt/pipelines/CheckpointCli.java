package dev.beamckpt.pipelines;

import dev.beamckpt.checkpoint.LocationDescription;
import java.io.IOException;

/** {@code bin/checkpoint describe <location>}: what a checkpoint location holds. */
public final class CheckpointCli {
  private CheckpointCli() {}

  public static void main(String[] args) {
    if (args.length != 2 || !args[0].equals("describe")) {
      System.err.println("Usage: checkpoint describe <checkpointLocation>");
      System.exit(2);
    }
    try {
      System.out.print(LocationDescription.describe(args[1]));
    } catch (IOException | IllegalArgumentException e) {
      System.err.println("Error: " + e.getMessage());
      System.exit(1);
    }
  }
}
