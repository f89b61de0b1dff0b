package dev.beamckpt.checkpoint.adapter.direct;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.beamckpt.checkpoint.log.OffsetLog;
import dev.beamckpt.checkpoint.log.OffsetSeq;
import dev.beamckpt.checkpoint.log.SourceOffset;
import dev.beamckpt.checkpoint.source.LogRetention;
import dev.beamckpt.checkpoint.storage.LocalStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How far the DirectRunner's receive log may be trimmed. */
class StateVersionRetentionTest {
  @TempDir Path dir;

  @Test
  void aQueryWithoutStateKeepsTheLogFromTheOldestRetainedBatchsEnd() throws Exception {
    LocalStorage location = LocalStorage.at(dir);
    LogRetention retention = new StateVersionRetention.StatelessProvider().create(location, "0");
    assertEquals(OptionalLong.empty(), retention.trimBelow(50), "nothing retained yet: nothing trimmed");

    OffsetLog offsets = new OffsetLog(location);
    offsets.add(7, new OffsetSeq(0, 0, List.of(SourceOffset.ofLog("0", 120))));
    offsets.add(8, new OffsetSeq(0, 0, List.of(SourceOffset.ofLog("0", 180))));
    LogRetention fresh = new StateVersionRetention.StatelessProvider().create(location, "0");
    assertEquals(OptionalLong.of(120), fresh.trimBelow(500), "below the oldest retained batch's end");
    assertEquals(OptionalLong.of(90), fresh.trimBelow(90), "never past what the reader finalized");
  }

  @Test
  void aQueryWithStateKeepsEverythingUntilItsFirstSnapshot() throws Exception {
    LocalStorage location = LocalStorage.at(dir);
    new OffsetLog(location).add(1, new OffsetSeq(0, 0, List.of(SourceOffset.ofLog("0", 120))));
    assertEquals(OptionalLong.empty(), new StateVersionRetention.Provider().create(location, "0").trimBelow(500));
  }
}
