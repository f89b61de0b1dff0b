package dev.beamckpt.checkpoint.storage.s3;

import dev.beamckpt.checkpoint.storage.object.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An S3 bucket through the AWS SDK v2: versions are ETags, conditions {@code If-None-Match: *}
 * and {@code If-Match}. Every failure is named by {@link S3Errors}.
 */
final class S3Objects implements ObjectStore {
  private final String bucket;
  private final S3Clients.Client client;
  private final S3Client s3;
  private final S3Errors errors;

  S3Objects(String bucket, S3Clients.Client client, S3Errors errors) {
    this.bucket = bucket;
    this.client = client;
    this.s3 = client.s3();
    this.errors = errors;
  }

  /** A missing object or bucket: S3 answers 404 (NoSuchKey on GET, no body on HEAD). */
  private static boolean notFound(SdkException e) {
    return e instanceof AwsServiceException service && service.statusCode() == 404
        && !(e instanceof NoSuchBucketException);
  }

  /** S3 refuses a condition with 412, or 409 while another conditional write to the key is in flight. */
  private static boolean conditionFailed(SdkException e) {
    return e instanceof AwsServiceException service && (service.statusCode() == 412 || service.statusCode() == 409);
  }

  @Override
  public Versioned get(String key) throws IOException {
    try {
      ResponseBytes<GetObjectResponse> object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
      return new Versioned(object.asByteArray(), object.response().eTag());
    } catch (SdkException e) {
      if (notFound(e)) {
        return null;
      }
      throw errors.failure("read", key, e);
    }
  }

  @Override
  public Stat stat(String key) throws IOException {
    try {
      HeadObjectResponse head = s3.headObject(r -> r.bucket(bucket).key(key));
      return new Stat(head.contentLength(), head.eTag());
    } catch (SdkException e) {
      if (notFound(e)) {
        return null;
      }
      throw errors.failure("read", key, e);
    }
  }

  @Override
  public String createIfAbsent(String key, byte[] data) throws IOException {
    return write(key, data, PutObjectRequest.builder().ifNoneMatch("*"));
  }

  @Override
  public String replaceIfMatch(String key, byte[] data, String version) throws IOException {
    return write(key, data, PutObjectRequest.builder().ifMatch(version));
  }

  private String write(String key, byte[] data, PutObjectRequest.Builder condition) throws IOException {
    try {
      return s3.putObject(condition.bucket(bucket).key(key).build(), RequestBody.fromBytes(data)).eTag();
    } catch (SdkException e) {
      if (conditionFailed(e) || notFound(e)) {
        return null;
      }
      throw errors.failure("create", key, e);
    }
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    try {
      s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(data));
    } catch (SdkException e) {
      throw errors.failure("write", key, e);
    }
  }

  @Override
  public void deleteIfMatch(String key, String version) throws IOException {
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key).ifMatch(version));
    } catch (SdkException e) {
      if (!conditionFailed(e) && !notFound(e)) {
        throw errors.failure("delete", key, e);
      }
    }
  }

  @Override
  public List<String> list(String prefix) throws IOException {
    List<String> names = new ArrayList<>();
    try {
      for (ListObjectsV2Response page : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).delimiter("/")
          .maxKeys(1000))) {
        for (S3Object object : page.contents()) {
          names.add(object.key().substring(prefix.length()));
        }
        for (CommonPrefix dir : page.commonPrefixes()) {
          String name = dir.prefix().substring(prefix.length());
          names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        }
      }
    } catch (SdkException e) {
      throw errors.failure("list", prefix, e);
    }
    return names;
  }

  @Override
  public InputStream openRead(String key, long position) throws IOException {
    try {
      return s3.getObject(r -> r.bucket(bucket).key(key).range(position > 0 ? "bytes=" + position + "-" : null));
    } catch (SdkException e) {
      if (e instanceof AwsServiceException service && service.statusCode() == 416) {
        return InputStream.nullInputStream(); // a range from the end: nothing to read yet
      }
      if (notFound(e)) {
        throw new NoSuchFileException(uri(key));
      }
      throw errors.failure("read", key, e);
    }
  }

  @Override
  public void checkWritable(String prefix) throws IOException {
    try {
      s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).maxKeys(1)); // unlike HEAD, errors come with S3's name
    } catch (SdkException e) {
      if (e instanceof NoSuchBucketException || (e instanceof AwsServiceException s && s.statusCode() == 404)) {
        throw errors.bucketMissing();
      }
      throw errors.failure("reach", "", e);
    }
    String probe = prefix + ".probe-" + UUID.randomUUID();
    try {
      s3.putObject(r -> r.bucket(bucket).key(probe), RequestBody.empty());
      s3.deleteObject(r -> r.bucket(bucket).key(probe));
    } catch (SdkException e) {
      throw errors.failure("create", probe, e);
    }
  }

  @Override
  public String uri(String key) {
    return "s3://" + bucket + "/" + key;
  }

  /** Hadoop S3A's endpoint and addressing, where not AWS's own. */
  @Override
  public Map<String, String> runnerAddress() {
    Map<String, String> address = new LinkedHashMap<>();
    if (client.configured() != null) {
      address.put("fs.s3a.endpoint", client.configured());
      address.put("fs.s3a.path.style.access", Boolean.toString(client.pathStyle()));
    }
    return address;
  }

  /** Hadoop S3A's settings for the same endpoint, region and credentials (Flink's S3 filesystem reads them). */
  @Override
  public Map<String, String> runnerSettings() {
    Map<String, String> settings = new LinkedHashMap<>(runnerAddress());
    settings.put("fs.s3a.endpoint.region", client.region());
    try {
      AwsCredentials credentials = client.credentials().resolveCredentials();
      settings.put("fs.s3a.access.key", credentials.accessKeyId());
      settings.put("fs.s3a.secret.key", credentials.secretAccessKey());
      if (credentials instanceof AwsSessionCredentials session) {
        settings.put("fs.s3a.session.token", session.sessionToken());
        settings.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
      }
    } catch (SdkException none) {
      // no credentials here: the runner's filesystem looks for its own (instance roles, its environment)
    }
    return settings;
  }
}
