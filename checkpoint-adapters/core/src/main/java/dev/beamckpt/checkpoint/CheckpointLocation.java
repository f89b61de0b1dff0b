package dev.beamckpt.checkpoint;

import dev.beamckpt.checkpoint.fingerprint.PipelineFingerprint;
import dev.beamckpt.checkpoint.log.CommitLog;
import dev.beamckpt.checkpoint.log.CommitMetadata;
import dev.beamckpt.checkpoint.log.CorruptCheckpointFileException;
import dev.beamckpt.checkpoint.log.OffsetLog;
import dev.beamckpt.checkpoint.log.QueryMetadata;
import dev.beamckpt.checkpoint.log.RunLog;
import dev.beamckpt.checkpoint.log.VersionedFormat;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import dev.beamckpt.checkpoint.storage.Storages;
import java.io.IOException;
import org.apache.beam.sdk.options.PipelineOptions;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A query's checkpoint location, laid out like Spark's:
 *
 * <pre>
 *   metadata         immutable: query id, name, format version, created, pipeline fingerprint
 *   runs/&lt;n&gt;         one file per start
 *   offsets/&lt;batch&gt;  written before a batch runs
 *   commits/&lt;batch&gt;  written after its outputs are durable
 *   sources/&lt;id&gt;/    receive logs of sources that cannot replay by themselves
 *   state/           the runner's state backend
 * </pre>
 *
 * Opening one for a query takes the location's lease and checks that it belongs to the same
 * stateful pipeline; {@link #readOnly} opens it for inspection only.
 */
public final class CheckpointLocation implements AutoCloseable {
  public static final String METADATA = "metadata";
  public static final String SOURCES = "sources";
  public static final String STATE = "state";

  private final CheckpointStorage storage;
  private final QueryMetadata metadata;
  private final CheckpointStorage.Lease lease;
  private final OffsetLog offsets;
  private final CommitLog commits;
  private final RunLog runs;

  private CheckpointLocation(CheckpointStorage storage, QueryMetadata metadata, CheckpointStorage.Lease lease) {
    this.storage = storage;
    this.metadata = metadata;
    this.lease = lease;
    this.offsets = new OffsetLog(storage);
    this.commits = new CommitLog(storage);
    this.runs = new RunLog(storage);
  }

  /**
   * Opens {@code uri} for the query {@code queryName} with this fingerprint: creates it if new,
   * fails before anything runs if it is unwritable, owned by a live query, or belongs to a
   * different stateful pipeline.
   */
  public static CheckpointLocation openForQuery(
      String uri, String queryName, PipelineFingerprint fingerprint, String owner) throws IOException {
    return openForQuery(uri, null, queryName, fingerprint, owner);
  }

  /** As {@link #openForQuery(String, String, PipelineFingerprint, String)}, with the storage configured by {@code options}. */
  public static CheckpointLocation openForQuery(String uri, PipelineOptions options, String queryName,
      PipelineFingerprint fingerprint, String owner) throws IOException {
    CheckpointStorage storage = Storages.forLocation(uri, options);
    if (readMetadata(storage).isEmpty()) {
      refuseForeignDirectory(storage); // before the lease: a refused directory gets no lock file either
    }
    storage.checkWritable();
    CheckpointStorage.Lease lease = storage.acquireLease(owner);
    try {
      Optional<QueryMetadata> existing = readMetadata(storage);
      QueryMetadata metadata;
      if (existing.isEmpty()) {
        refuseForeignDirectory(storage);
        metadata = QueryMetadata.create(UUID.randomUUID().toString(), queryName, VersionedFormat.VERSION,
            System.currentTimeMillis(), fingerprint.hash(), fingerprint.steps());
        if (!storage.createIfAbsent(METADATA, VersionedFormat.write(List.of(metadata)))) {
          metadata = readMetadata(storage).orElseThrow();
        }
      } else {
        metadata = existing.get();
      }
      checkCompatible(storage.uri(), metadata, queryName, fingerprint);
      return new CheckpointLocation(storage, metadata, lease);
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  /**
   * Opens an existing location without its lease: to look at it, or for a runner's tasks that
   * commit batches while the query's driver holds the lease.
   */
  public static CheckpointLocation readOnly(String uri) throws IOException {
    return readOnly(uri, null);
  }

  /** As {@link #readOnly(String)}, with the storage configured by {@code options} (null: the environment's). */
  public static CheckpointLocation readOnly(String uri, PipelineOptions options) throws IOException {
    CheckpointStorage storage = Storages.forLocation(uri, options);
    QueryMetadata metadata = readMetadata(storage).orElseThrow(() -> new IOException(
        "No checkpoint at " + uri + ": it has no metadata file. Is this the --checkpointLocation of a query?"));
    return new CheckpointLocation(storage, metadata, null);
  }

  /**
   * A location without metadata is new: empty, or holding only what a query that died before
   * writing it left (its lock). Anything else is someone's directory, or a location whose metadata
   * was removed; adopting it would mix the user's files with ours, or resume without an identity.
   */
  private static void refuseForeignDirectory(CheckpointStorage storage) throws IOException {
    List<String> entries = storage.list("");
    if (entries.isEmpty()) {
      return;
    }
    List<String> ours = entries.stream().filter(LAYOUT::contains).toList();
    if (!ours.isEmpty()) {
      throw new CorruptCheckpointFileException(storage.uri(), METADATA, "the file is missing, while " + ours
          + " are there. The query's identity and the pipeline its state belongs to are lost: restore metadata from a"
          + " backup, or start over with a new --checkpointLocation.", null);
    }
    throw new IOException("Checkpoint location " + storage.uri() + " is a non-empty directory that is not a checkpoint"
        + " location (it has no metadata file, and holds " + abbreviate(entries) + "). A query keeps its checkpoint in a"
        + " directory of its own: give --checkpointLocation a new or empty directory.");
  }

  /** The names a location's root holds. */
  private static final List<String> LAYOUT = List.of(METADATA, "runs", "offsets", "commits", SOURCES, STATE);

  private static String abbreviate(List<String> names) {
    return names.size() <= 5 ? String.join(", ", names) : String.join(", ", names.subList(0, 5)) + " and "
        + (names.size() - 5) + " more";
  }

  static Optional<QueryMetadata> readMetadata(CheckpointStorage storage) throws IOException {
    if (!storage.exists(METADATA)) {
      return Optional.empty();
    }
    byte[] bytes = storage.read(METADATA); // a storage error (access, I/O) is not corruption: it names itself
    QueryMetadata metadata;
    try {
      List<String> lines = VersionedFormat.read(bytes);
      metadata = VersionedFormat.parse(lines.get(0), QueryMetadata.class);
    } catch (IOException | RuntimeException e) {
      throw new CorruptCheckpointFileException(storage.uri(), METADATA, e.getMessage()
          + ". The query's identity is lost: restore the file from a backup, or start over with a new --checkpointLocation.", e);
    }
    boolean checksumMatches = metadata.checksum() == null || metadata.checksum().equals(metadata.computeChecksum());
    if (!checksumMatches || !PipelineFingerprint.hashOf(metadata.statefulSteps()).equals(metadata.fingerprint())) {
      throw new CorruptCheckpointFileException(storage.uri(), METADATA, "the file is damaged: its "
          + (checksumMatches ? "fingerprint does not match the steps it lists" : "checksum does not match its content")
          + ". It was changed after the query wrote it (by hand, or by a disk error); this is not a different pipeline."
          + " Restore the file from a backup, or start over with a new --checkpointLocation.", null);
    }
    return Optional.of(metadata);
  }

  private static void checkCompatible(String uri, QueryMetadata existing, String queryName, PipelineFingerprint fp)
      throws IncompatibleCheckpointException {
    if (existing.fingerprint().equals(fp.hash())) {
      return;
    }
    throw new IncompatibleCheckpointException(uri, existing, queryName, fp);
  }

  /** Thrown when a location is reused by a pipeline whose state is laid out differently. */
  public static final class IncompatibleCheckpointException extends IOException {
    IncompatibleCheckpointException(String uri, QueryMetadata existing, String queryName, PipelineFingerprint fp) {
      super(message(uri, existing, queryName, fp));
    }

    private static String message(String uri, QueryMetadata existing, String queryName, PipelineFingerprint fp) {
      StringBuilder sb = new StringBuilder("Incompatible checkpoint metadata at ").append(uri).append(":\n")
          .append("  it belongs to query '").append(existing.name()).append("' (id ").append(existing.id())
          .append("), whose state comes from:\n");
      existing.statefulSteps().forEach(s -> sb.append("    ").append(s).append('\n'));
      sb.append("  but this query '").append(queryName).append("' has:\n");
      fp.steps().forEach(s -> sb.append("    ").append(s).append('\n'));
      sb.append("  Sources and stateful steps (GroupByKey, Combine, stateful ParDo, their coders and windowing)"
          + " must stay the same to resume; filters, projections and sinks may change.\n")
          .append("  To run this query, give it its own --checkpointLocation, or delete this one to start over"
              + " (its state will be lost): rm -rf ").append(uri);
      return sb.toString();
    }
  }

  public CheckpointStorage storage() {
    return storage;
  }

  public String uri() {
    return storage.uri();
  }

  public QueryMetadata metadata() {
    return metadata;
  }

  public OffsetLog offsets() {
    return offsets;
  }

  public CommitLog commits() {
    return commits;
  }

  public RunLog runs() {
    return runs;
  }

  /** The directory of a source's receive log in the location's storage ({@code sources/<id>}). */
  public static String sourcePath(String sourceId) {
    return SOURCES + "/" + sourceId;
  }

  /**
   * Commits a batch whose output is durable (Spark's CommitLog), then applies retention: the one
   * commit path of every adapter. Returns false if the batch was committed before (a re-delivered
   * batch keeps its first record).
   */
  public boolean commit(long batchId, CommitMetadata commit, int minBatchesToRetain) throws IOException {
    boolean written = commits.add(batchId, commit);
    purge(batchId, minBatchesToRetain);
    return written;
  }

  /** Keeps the last {@code minBatchesToRetain} batches' offsets and commits. */
  public void purge(long latestBatch, int minBatchesToRetain) throws IOException {
    long threshold = latestBatch - minBatchesToRetain + 1;
    if (threshold > 0) {
      offsets.purge(threshold);
      commits.purge(threshold);
    }
  }

  @Override
  public void close() throws IOException {
    if (lease != null) {
      lease.close();
    }
  }
}
