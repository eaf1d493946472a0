package dev.apibilling.events;

import dev.apibilling.spi.UsageEventLog;

/**
 * Metrics of a {@link UsageEventExporter}, added with {@link UsageEventExporter.Builder#metrics}: hears
 * what the exporter delivers and is handed the event log it drains, to read gauges from it. Core's own
 * interface, so the builder names no metrics library; {@link ExporterMetrics#monitor} binds Micrometer.
 * Every method does nothing by default; none may throw.
 */
public interface ExporterMonitor {

  /** Called once, when the exporter is configured with this monitor. */
  default void bindTo(UsageEventLog log) {}

  /** The sink accepted {@code events}. */
  default void onDelivered(int events) {}

  /** A delivery of {@code events} failed (each retry counts again). */
  default void onFailed(int events) {}

  /** {@code events} were dead-lettered after repeated rejections. */
  default void onDeadLettered(int events) {}
}
