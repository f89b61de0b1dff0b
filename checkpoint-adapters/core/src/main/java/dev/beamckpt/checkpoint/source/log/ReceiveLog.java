package dev.beamckpt.checkpoint.source.log;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * The lines a source received, in order, each with its ingestion time: what makes a socket stream
 * replayable. Offsets count records from the start of the log; the log assigns them on append.
 * Appends come from one receiver thread; cursors may read concurrently up to {@link #endOffset()}.
 */
public interface ReceiveLog extends Closeable {

  /** The offset of the oldest retained record. */
  long startOffset();

  /** One past the newest record; records below it are readable. */
  long endOffset();

  /** Ingestion time of the newest record, or Long.MIN_VALUE when empty. */
  long maxTimestampMs();

  /** Appends lines received at {@code timestampMs}, in order. */
  void append(List<String> lines, long timestampMs) throws IOException;

  /** Forces appended records to stable storage. */
  void sync() throws IOException;

  /**
   * Makes sure records below {@code offset} survive this process being killed, before a runner's
   * checkpoint records a reader there: a restored reader must find them. A file's records are in
   * the kernel's hands once written; an object store's only once their segment is sealed.
   */
  default void makeDurableThrough(long offset) throws IOException {}

  /** Reads records from {@code fromOffset} on. */
  Cursor cursor(long fromOffset) throws IOException;

  /** Drops records below {@code offset}, where the log can (a file log on Direct never does). */
  void trimBefore(long offset);

  /**
   * Runs {@code action} (on a thread of its own) once another writer took this log over; until its
   * receiver stops, this writer may still drain what it received into the log for a few seconds.
   */
  default void onTakenOver(Runnable action) {}

  /** A reading position in the log. */
  interface Cursor extends Closeable {
    /** The next record, or null if the reader has caught up with the log's end. */
    LogRecord next() throws IOException;
  }
}
