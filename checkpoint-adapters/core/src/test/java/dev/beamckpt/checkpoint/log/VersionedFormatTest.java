package dev.beamckpt.checkpoint.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class VersionedFormatTest {
  @Test
  void writesAVersionLineOneJsonDocumentPerLineAndAChecksum() throws IOException {
    byte[] bytes = VersionedFormat.write(List.of(SourceOffset.ofLog("0", 42)));
    String content = "v2\n{\"source\":\"0\",\"endOffset\":42}\n";
    CRC32C crc = new CRC32C();
    crc.update(content.getBytes(StandardCharsets.UTF_8));
    assertEquals(content + String.format("#crc32c=%08x\n", crc.getValue()), new String(bytes, StandardCharsets.UTF_8));
    List<String> docs = VersionedFormat.read(bytes);
    assertEquals(List.of("{\"source\":\"0\",\"endOffset\":42}"), docs, "the checksum line is not a document");
    assertEquals(SourceOffset.ofLog("0", 42), VersionedFormat.parse(docs.get(0), SourceOffset.class));
  }

  @Test
  void readsVersionOneFilesWhichHaveNoChecksum() throws IOException {
    assertEquals(List.of("{\"offset\":9}"), VersionedFormat.read("v1\n{\"offset\":9}\n".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void aChangedDigitOrAMissingChecksumIsAnError() {
    String good = new String(VersionedFormat.write(List.of(SourceOffset.ofLog("0", 2200))), StandardCharsets.UTF_8);
    assertTrue(message(good.replace("2200", "2300")).contains("checksum does not match its content"));
    assertTrue(message(good.substring(0, good.indexOf("#crc32c"))).contains("not the checksum line"));
    assertTrue(message(good.replaceFirst("v2", "v1")).contains("first line was changed"));
  }

  @Test
  void aSourceKeepsItsOwnOffsetFieldsOpaqueToTheCore() throws IOException {
    String line = "{\"source\":\"clicks\",\"partitions\":{\"clicks-0\":17,\"clicks-1\":4}}";
    SourceOffset offset = VersionedFormat.parse(line, SourceOffset.class);
    assertEquals("clicks", offset.source());
    assertEquals(17, offset.offset().path("partitions").path("clicks-0").asLong());
    assertEquals("{\"partitions\":{\"clicks-0\":17,\"clicks-1\":4}}", offset.describe(), "shown as its JSON");
    assertTrue(new String(VersionedFormat.write(List.of(offset)), StandardCharsets.UTF_8).startsWith("v2\n" + line + "\n"),
        "written back unchanged");
    assertEquals("up to record 42", SourceOffset.ofLog("0", 42).describe());
    IOException e = assertThrows(IOException.class, () -> VersionedFormat.parse("{\"endOffset\":3}", SourceOffset.class));
    assertTrue(e.getMessage().contains("not valid SourceOffset JSON"), e.getMessage());
  }

  @Test
  void refusesEmptyTruncatedAndHeaderlessFiles() {
    assertEquals("the file is empty", message(""));
    assertEquals("the file is truncated (no final newline)", message("v1\n{\"source\":\"0\",\"endOff"));
    assertTrue(message("{}\n").contains("expected a version like 'v1'"));
  }

  @Test
  void refusesANewerVersionAndSaysToUpgrade() {
    String m = message("v3\n{}\n");
    assertTrue(m.contains("format v3 by a newer release") && m.contains("reads up to v2") && m.contains("Upgrade"), m);
  }

  @Test
  void namesTheTypeWhenALineIsNotValidJson() {
    IOException e = assertThrows(IOException.class, () -> VersionedFormat.parse("{\"source\":", SourceOffset.class));
    assertTrue(e.getMessage().contains("not valid SourceOffset JSON"), e.getMessage());
  }

  private static String message(String text) {
    return assertThrows(IOException.class, () -> VersionedFormat.read(text.getBytes(StandardCharsets.UTF_8))).getMessage();
  }
}
