package dev.beamckpt.checkpoint.source;

import dev.beamckpt.checkpoint.source.log.ReceiveLog;
import dev.beamckpt.checkpoint.storage.CheckpointStorage;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * What a {@link LoggedUnboundedSource} gives the receiver it builds.
 *
 * @param log the receive log the receiver fills (through a {@link LogChannel} it builds over it)
 * @param retention how far the log may be trimmed once the runner finalized a mark
 * @param finalizedTo where finalized offsets are recorded, or null where no one reads them
 * @param location the checkpoint location, or null without one: where a source keeps what it
 *     needs besides its log, under {@code sources/<id>/} (a queue's subscription, the messages
 *     logged but not yet acknowledged)
 * @param options the pipeline's options in the JVM the receiver runs in (credentials, endpoints)
 */
public record ReceiverContext(ReceiveLog log, LogRetention retention, CheckpointStorage finalizedTo,
    CheckpointStorage location, PipelineOptions options) {}
