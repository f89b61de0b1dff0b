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
    byte[] bytes = VersionedFormat.write(List.of(new SourceOffset("0", 42)));
    assertEquals("v1\n{\"source\":\"0\",\"endOffset\":42}\n", new String(bytes, StandardCharsets.UTF_8));
    List<String> docs = VersionedFormat.read(bytes);
    assertEquals(new SourceOffset("0", 42), VersionedFormat.parse(docs.get(0), SourceOffset.class));
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
