package dev.beamckpt.checkpoint.log;

import java.util.List;

/**
 * The immutable {@code metadata} file: who owns the location and what its state depends on.
 *
 * @param statefulSteps human-readable descriptions of the sources and stateful steps, the input of
 *     {@code fingerprint}; shown when a different pipeline tries to use the location
 */
public record QueryMetadata(
    String id, String name, int formatVersion, long createdAtMs, String fingerprint, List<String> statefulSteps) {}
