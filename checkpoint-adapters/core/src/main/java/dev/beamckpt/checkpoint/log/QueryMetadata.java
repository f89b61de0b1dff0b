package dev.beamckpt.checkpoint.log;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The immutable {@code metadata} file: who owns the location and what its state depends on.
 *
 * @param statefulSteps human-readable descriptions of the sources and stateful steps, the input of
 *     {@code fingerprint}; shown when a different pipeline tries to use the location
 * @param checksum CRC32 of the other fields, so a damaged file reads as damaged, not as another
 *     pipeline's (null in locations written before it existed)
 */
public record QueryMetadata(String id, String name, int formatVersion, long createdAtMs, String fingerprint,
    List<String> statefulSteps, String checksum) {

  public static QueryMetadata create(String id, String name, int formatVersion, long createdAtMs, String fingerprint,
      List<String> statefulSteps) {
    QueryMetadata unsigned = new QueryMetadata(id, name, formatVersion, createdAtMs, fingerprint, statefulSteps, null);
    return new QueryMetadata(id, name, formatVersion, createdAtMs, fingerprint, statefulSteps, unsigned.computeChecksum());
  }

  /** The checksum these fields should carry. */
  public String computeChecksum() {
    QueryMetadata unsigned = new QueryMetadata(id, name, formatVersion, createdAtMs, fingerprint, statefulSteps, null);
    CRC32 crc = new CRC32();
    try {
      crc.update(VersionedFormat.JSON.writeValueAsString(unsigned).getBytes(StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialize query metadata", e);
    }
    return HexFormat.of().toHexDigits((int) crc.getValue());
  }
}
