package io.tributary.jobs;

import io.tributary.config.Configs;
import io.tributary.iceberg.IcebergCatalog;
import io.tributary.iceberg.IcebergOptions;
import io.tributary.stack.LocalStack;
import io.tributary.stack.StackSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The local stack's S3 (S3Mock), REST catalog and Kafka for the S3 tests, and the catalog settings
 * for each catalog type with its tables on that S3.
 */
final class S3Testing {
  private S3Testing() {}

  /** The jobs' MiniCluster ({@link JobTesting#miniCluster} says why it has no leak check). */
  static MiniClusterExtension miniCluster(int slots) {
    return JobTesting.miniCluster(slots);
  }

  /**
   * The stack's placeholder credentials, for the AWS SDK's default provider chain in this JVM (its
   * system-property provider): the jobs take credentials from nowhere else.
   */
  static void useLocalCredentials() {
    System.setProperty("aws.accessKeyId", "local");
    System.setProperty("aws.secretAccessKey", "local");
  }

  static void clearLocalCredentials() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  /** S3Mock and the REST catalog on it, plus {@code more} of the stack's servers. */
  static LocalStack start(Path dir, LocalStack.Service... more) {
    useLocalCredentials();
    List<LocalStack.Service> services =
        new ArrayList<>(List.of(LocalStack.Service.S3, LocalStack.Service.REST_CATALOG));
    services.addAll(Arrays.asList(more));
    return LocalStack.start(
        StackSettings.forTest(dir), services.toArray(new LocalStack.Service[0]));
  }

  /** The {@code iceberg} keys (without the group) that put {@code type}'s tables on S3Mock. */
  static List<String> catalogKeys(LocalStack stack, String type, Path dir, String database) {
    StackSettings s = stack.settings();
    List<String> keys =
        new ArrayList<>(
            Arrays.asList(
                "catalog.type",
                type,
                "database",
                database,
                "s3.endpoint",
                s.s3Endpoint(),
                "s3.path-style-access",
                "true",
                "s3.region",
                "us-east-1"));
    switch (type) {
      case "rest":
        keys.addAll(List.of("catalog.uri", s.restCatalogUri()));
        break;
      case "jdbc":
        keys.addAll(
            List.of(
                "catalog.uri",
                "jdbc:sqlite:file:" + dir.resolve(database + "-catalog.db"),
                "warehouse",
                "s3://" + StackSettings.BUCKET + "/" + database));
        break;
      default:
        keys.addAll(List.of("warehouse", "s3://" + StackSettings.BUCKET + "/" + database));
    }
    return keys;
  }

  /** {@code --iceberg.<key> value} arguments. */
  static List<String> args(List<String> keys) {
    List<String> args = new ArrayList<>();
    for (int i = 0; i < keys.size(); i += 2) {
      args.add("--iceberg." + keys.get(i));
      args.add(keys.get(i + 1));
    }
    return args;
  }

  /** The same catalog as the job's, for reading the tables back (through S3FileIO). */
  static IcebergCatalog catalog(List<String> keys) {
    String[] pairs = new String[keys.size()];
    for (int i = 0; i < keys.size(); i += 2) {
      pairs[i] = "iceberg." + keys.get(i);
      pairs[i + 1] = keys.get(i + 1);
    }
    return IcebergCatalog.fromConfig(Configs.of(pairs).group(IcebergOptions.GROUP));
  }
}
