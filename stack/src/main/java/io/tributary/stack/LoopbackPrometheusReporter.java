package io.tributary.stack;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Properties;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's Prometheus reporter ({@code flink-metrics-prometheus}: same metric names, labels and
 * types) serving on 127.0.0.1 only. Flink's own {@code PrometheusReporter} binds its HTTP server to
 * every interface and has no option for the address; the stack keeps every server on loopback.
 * docker/ uses Flink's reporter unchanged, where the container's network is the boundary.
 */
public final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {
  /** The port, or 0 in a JVM the stack gave none (the SQL client reads the same config.yaml). */
  private final int port;

  private HTTPServer server;

  LoopbackPrometheusReporter(int port) {
    this.port = port;
  }

  @Override
  public void open(MetricConfig config) {
    super.open(config);
    if (port == 0) {
      log.info("No metrics.reporter.prom.port for this JVM: its metrics are not served.");
      return;
    }
    try {
      server =
          new HTTPServer(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), port), registry(), true);
      log.info("Started the Prometheus reporter on 127.0.0.1:{}.", port);
    } catch (IOException e) {
      // As Flink's own reporter does: the JVM runs on without serving its metrics.
      log.error("Could not serve Prometheus metrics on 127.0.0.1:{} (port in use?).", port, e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop();
    }
    super.close();
  }

  /**
   * The registry the base class fills. It is package-private there and the collectors it registers
   * are not reachable otherwise; reading it keeps Flink's naming instead of copying it.
   */
  private CollectorRegistry registry() {
    try {
      Field f = AbstractPrometheusReporter.class.getDeclaredField("registry");
      f.setAccessible(true);
      return (CollectorRegistry) f.get(this);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "flink-metrics-prometheus changed: AbstractPrometheusReporter has no registry field", e);
    }
  }

  /**
   * {@code metrics.reporter.prom.factory.class}; found by Flink through {@code META-INF/services}.
   * The port comes from {@code metrics.reporter.prom.port}, set per JVM.
   */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      String port = properties.getProperty("port");
      return new LoopbackPrometheusReporter(port == null ? 0 : Integer.parseInt(port.trim()));
    }
  }
}
