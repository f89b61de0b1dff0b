package dev.beamckpt.runners.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Flink's spellings of its S3 and GCS filesystems' settings, as those filesystems read them. */
class FlinkFileSystemsTest {
  @Test
  void everyPrefixFlinksFilesystemsAcceptBecomesTheHadoopKey() {
    assertEquals("fs.s3a.endpoint", FlinkFileSystems.hadoopKey("s3.endpoint"));
    assertEquals("fs.s3a.endpoint", FlinkFileSystems.hadoopKey("s3a.endpoint"));
    assertEquals("fs.s3a.endpoint", FlinkFileSystems.hadoopKey("fs.s3a.endpoint"));
    assertEquals("fs.s3a.path.style.access", FlinkFileSystems.hadoopKey("s3.path-style-access"));
    assertEquals("fs.s3a.path.style.access", FlinkFileSystems.hadoopKey("s3.path.style.access"));
    assertEquals("fs.gs.storage.root.url", FlinkFileSystems.hadoopKey("gs.storage.root.url"));
    assertEquals("fs.gs.storage.root.url", FlinkFileSystems.hadoopKey("fs.gs.storage.root.url"));
    assertEquals("state.checkpoints.num-retained", FlinkFileSystems.hadoopKey("state.checkpoints.num-retained"));
  }
}
