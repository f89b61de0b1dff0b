package dev.beamckpt.checkpoint.storage.gcs;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageException;
import dev.beamckpt.checkpoint.storage.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A GCS bucket through the google-cloud-storage client: versions are generations, conditions
 * {@code ifGenerationMatch} (0 for "absent"). Every failure is named by {@link GcsErrors}.
 */
final class GcsObjects implements ObjectStore {
  private final String bucket;
  private final Storage client;
  private final GcsClients.Client settings;
  private final GcsErrors errors;

  GcsObjects(String bucket, GcsClients.Client client, GcsErrors errors) {
    this.bucket = bucket;
    this.client = client.storage();
    this.settings = client;
    this.errors = errors;
  }

  private BlobId id(String key) {
    return BlobId.of(bucket, key);
  }

  @Override
  public Versioned get(String key) throws IOException {
    try {
      Blob blob = client.get(id(key));
      return blob == null ? null : new Versioned(blob.getContent(Blob.BlobSourceOption.generationMatch()),
          Long.toString(blob.getGeneration()));
    } catch (StorageException e) {
      if (e.getCode() == 404 || e.getCode() == 412) {
        return e.getCode() == 404 ? null : get(key); // replaced between the metadata and the content: read again
      }
      throw errors.failure("read", key, e);
    }
  }

  @Override
  public Stat stat(String key) throws IOException {
    try {
      Blob blob = client.get(id(key));
      return blob == null ? null : new Stat(blob.getSize(), Long.toString(blob.getGeneration()));
    } catch (StorageException e) {
      throw errors.failure("read", key, e);
    }
  }

  @Override
  public String createIfAbsent(String key, byte[] data) throws IOException {
    return write(key, data, Storage.BlobTargetOption.doesNotExist());
  }

  @Override
  public String replaceIfMatch(String key, byte[] data, String version) throws IOException {
    return write(key, data, Storage.BlobTargetOption.generationMatch(Long.parseLong(version)));
  }

  private String write(String key, byte[] data, Storage.BlobTargetOption condition) throws IOException {
    try {
      return Long.toString(client.create(BlobInfo.newBuilder(id(key)).build(), data, condition).getGeneration());
    } catch (StorageException e) {
      if (e.getCode() == 412) {
        return null;
      }
      throw errors.failure("create", key, e);
    }
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    try {
      client.create(BlobInfo.newBuilder(id(key)).build(), data);
    } catch (StorageException e) {
      throw errors.failure("write", key, e);
    }
  }

  @Override
  public void deleteIfMatch(String key, String version) throws IOException {
    try {
      client.delete(id(key), Storage.BlobSourceOption.generationMatch(Long.parseLong(version)));
    } catch (StorageException e) {
      if (e.getCode() != 404 && e.getCode() != 412) {
        throw errors.failure("delete", key, e);
      }
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    List<String> names = new ArrayList<>();
    try {
      Page<Blob> page = client.list(bucket, Storage.BlobListOption.prefix(prefix),
          Storage.BlobListOption.currentDirectory(), Storage.BlobListOption.pageSize(1000));
      for (Blob blob : page.iterateAll()) {
        String name = blob.getName().substring(prefix.length());
        names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
      }
    } catch (StorageException e) {
      throw errors.failure("list", prefix, e);
    }
    return names;
  }

  @Override
  public InputStream openRead(String key, long position) throws IOException {
    try {
      ReadChannel channel = client.reader(id(key));
      channel.setChunkSize(1 << 20);
      channel.seek(position);
      return Channels.newInputStream(channel);
    } catch (StorageException e) {
      throw e.getCode() == 404 ? new NoSuchFileException(uri(key)) : errors.failure("read", key, e);
    }
  }

  @Override
  public void checkWritable(String prefix) throws IOException {
    try {
      if (client.get(bucket) == null) {
        throw errors.bucketMissing();
      }
      BlobId probe = id(prefix + ".probe-" + UUID.randomUUID());
      client.create(BlobInfo.newBuilder(probe).build(), new byte[0], Storage.BlobTargetOption.doesNotExist());
      client.delete(probe);
    } catch (StorageException e) {
      throw errors.failure("create", prefix + ".probe", e);
    }
  }

  @Override
  public String uri(String key) {
    return "gs://" + bucket + "/" + key;
  }

  /**
   * Flink's GCS filesystem (the Hadoop GCS connector under Flink's {@code gs.} keys) pointed at the
   * same endpoint; against an emulator it sends no credentials, as this store does. Against Google
   * it finds credentials itself, as Flink documents ({@code GOOGLE_APPLICATION_CREDENTIALS} or the
   * metadata server), so these are all the settings it needs.
   */
  @Override
  public Map<String, String> runnerAddress() {
    Map<String, String> keys = new LinkedHashMap<>();
    if (!settings.endpoint().equals(GcsClients.DEFAULT_ENDPOINT)) {
      keys.put("gs.storage.root.url", settings.endpoint());
    }
    if (settings.anonymous()) {
      keys.put("gs.auth.service.account.enable", "false");
      keys.put("gs.auth.null.enable", "true");
    }
    return keys;
  }
}
