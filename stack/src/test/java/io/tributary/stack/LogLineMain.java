package io.tributary.stack;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logs one line as a Flink task thread does: with the job id in the MDC. Run by {@link
 * DockerEntrypointTest} in a JVM of Flink's classpath, under a given log4j2 configuration.
 */
public final class LogLineMain {
  private LogLineMain() {}

  public static void main(String[] args) {
    Logger log = LoggerFactory.getLogger("org.apache.iceberg.flink.sink.IcebergFilesCommitter");
    MDC.put("flink-job-id", args[0]);
    log.info("Committed append to table: {}, checkpointId 4", args[1]);
    // below the configured level of org.apache.kafka: must not appear
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").info("hidden");
  }
}
