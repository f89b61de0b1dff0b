package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code offsets/<batch>}: a version line, a line with the batch watermark and time, one line per source, the checksum. */
public final class OffsetLog extends BatchLog<OffsetSeq> {
  public OffsetLog(CheckpointStorage storage) {
    super(storage, "offsets");
  }

  /**
   * The newest batch whose offsets file reads, with its id. Offsets only grow, so it bounds every
   * older batch; an unreadable newer file belongs to a batch that never committed (recovery plans
   * it again).
   */
  public Optional<Map.Entry<Long, OffsetSeq>> latestReadable() throws IOException {
    for (long batch : batchIds().descendingSet()) {
      try {
        Optional<OffsetSeq> seq = get(batch);
        if (seq.isPresent()) {
          return Optional.of(Map.entry(batch, seq.get()));
        }
      } catch (CorruptCheckpointFileException e) {
        // not committed: the batch before it tells
      }
    }
    return Optional.empty();
  }

  @Override
  protected byte[] serialize(OffsetSeq seq) {
    List<Object> docs = new ArrayList<>();
    docs.add(new OffsetSeq.Header(seq.batchWatermarkMs(), seq.batchTimestampMs()));
    docs.addAll(seq.sources());
    return VersionedFormat.write(docs);
  }

  @Override
  protected OffsetSeq deserialize(List<String> lines) throws IOException {
    if (lines.isEmpty()) {
      throw new IOException("the batch metadata line is missing");
    }
    OffsetSeq.Header header = VersionedFormat.parse(lines.get(0), OffsetSeq.Header.class);
    List<SourceOffset> sources = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      sources.add(VersionedFormat.parse(line, SourceOffset.class));
    }
    return new OffsetSeq(header.batchWatermarkMs(), header.batchTimestampMs(), sources);
  }
}
