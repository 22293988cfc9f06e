package io.tributary.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Kinesis API server for one test class, with {@link KinesisStreams} helpers on it:
 * {@code @RegisterExtension static final KinesisExtension kinesis = new KinesisExtension();}.
 *
 * <p>The job under test finds credentials as in production, through the default AWS provider chain:
 * this sets dummy ones as system properties (SDK v1 and v2 names) for the test class.
 */
public final class KinesisExtension implements BeforeAllCallback, AfterAllCallback {
  private static final Map<String, String> CREDENTIALS =
      Map.of("aws.accessKeyId", "test", "aws.secretKey", "test", "aws.secretAccessKey", "test");

  private KinesisServer server;
  private KinesisStreams streams;
  private final Map<String, String> previous = new HashMap<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = KinesisServer.start();
    streams = new KinesisStreams(server.endpoint());
    CREDENTIALS.forEach((k, v) -> previous.put(k, System.setProperty(k, v)));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    previous.forEach(
        (k, v) -> {
          if (v == null) {
            System.clearProperty(k);
          } else {
            System.setProperty(k, v);
          }
        });
    previous.clear();
    if (streams != null) {
      streams.close();
      streams = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  public String endpoint() {
    return running().endpoint();
  }

  /**
   * The source arguments of a job reading {@code stream} from this server, finding new shards every
   * second so a split or merge is seen while the test runs.
   */
  public List<String> sourceArgs(String stream, boolean bounded) {
    return List.of(
        "--source.type",
        "kinesis",
        "--source.bounded",
        Boolean.toString(bounded),
        "--kinesis.stream",
        stream,
        "--kinesis.region",
        KinesisStreams.REGION,
        "--kinesis.endpoint",
        endpoint(),
        "--kinesis.shard.discovery.interval",
        "1 s");
  }

  public KinesisStreams streams() {
    running();
    return streams;
  }

  private KinesisServer running() {
    if (server == null) {
      throw new IllegalStateException("the Kinesis server runs only inside the test class");
    }
    return server;
  }
}
