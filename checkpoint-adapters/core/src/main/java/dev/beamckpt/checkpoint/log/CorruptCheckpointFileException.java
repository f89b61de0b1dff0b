package dev.beamckpt.checkpoint.log;

import java.io.IOException;

/** A checkpoint file that exists but cannot be read: names the file and what is wrong with it. */
public final class CorruptCheckpointFileException extends IOException {
  private final String path;
  private final String problem;

  public CorruptCheckpointFileException(String location, String path, String problem, Throwable cause) {
    super("Checkpoint file " + location + "/" + path + " is unreadable: " + problem, cause);
    this.path = path;
    this.problem = problem;
  }

  /** What is wrong with the file, without the file's name. */
  public String problem() {
    return problem;
  }

  public String path() {
    return path;
  }
}
