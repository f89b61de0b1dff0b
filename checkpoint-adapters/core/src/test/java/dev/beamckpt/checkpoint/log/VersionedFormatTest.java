package dev.beamckpt.checkpoint.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionedFormatTest {
  @Test
  void writesAVersionLineThenOneJsonDocumentPerLine() throws IOException {
    byte[] bytes = VersionedFormat.write(List.of(SourceOffset.ofLog("0", 42)));
    assertEquals("v1\n{\"source\":\"0\",\"endOffset\":42}\n", new String(bytes, StandardCharsets.UTF_8));
    List<String> docs = VersionedFormat.read(bytes);
    assertEquals(SourceOffset.ofLog("0", 42), VersionedFormat.parse(docs.get(0), SourceOffset.class));
  }

  @Test
  void aSourceKeepsItsOwnOffsetFieldsOpaqueToTheCore() throws IOException {
    String line = "{\"source\":\"clicks\",\"partitions\":{\"clicks-0\":17,\"clicks-1\":4}}";
    SourceOffset offset = VersionedFormat.parse(line, SourceOffset.class);
    assertEquals("clicks", offset.source());
    assertEquals(17, offset.offset().path("partitions").path("clicks-0").asLong());
    assertEquals("{\"partitions\":{\"clicks-0\":17,\"clicks-1\":4}}", offset.describe(), "shown as its JSON");
    assertEquals("v1\n" + line + "\n", new String(VersionedFormat.write(List.of(offset)), StandardCharsets.UTF_8),
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
    String m = message("v2\n{}\n");
    assertTrue(m.contains("format v2 by a newer release") && m.contains("Upgrade"), m);
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
