package dev.beamckpt.checkpoint.log;

import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code offsets/<batch>}: "v1", a line with the batch watermark and time, one line per source. */
public final class OffsetLog extends BatchLog<OffsetSeq> {
  public OffsetLog(CheckpointStorage storage) {
    super(storage, "offsets");
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
