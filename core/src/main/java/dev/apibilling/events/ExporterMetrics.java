package dev.apibilling.events;

import dev.apibilling.spi.UsageEventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Micrometer metrics of a {@link UsageEventExporter}; add them with
 * {@code UsageEventExporter.builder(store, sink).meterRegistry(registry)}.
 *
 * <ul>
 *   <li>{@code apibilling.events.delivered} (counter): events the sink accepted
 *   <li>{@code apibilling.events.failed} (counter): events of failed deliveries (each retry counts again)
 *   <li>{@code apibilling.events.dead} (counter): events dead-lettered after repeated rejections
 *   <li>{@code apibilling.events.lag} (gauge): recorded events not delivered yet (one store read per
 *       scrape; NaN when the store fails)
 * </ul>
 */
public final class ExporterMetrics {

  private ExporterMetrics() {}

  static UsageEventExporter.Listener listener(MeterRegistry registry, UsageEventLog log) {
    Counter delivered = Counter.builder("apibilling.events.delivered")
        .description("Usage events delivered").register(registry);
    Counter failed = Counter.builder("apibilling.events.failed")
        .description("Usage events of failed deliveries").register(registry);
    Counter dead = Counter.builder("apibilling.events.dead")
        .description("Usage events dead-lettered").register(registry);
    Gauge.builder("apibilling.events.lag", log, l -> {
      try {
        return l.undelivered();
      } catch (RuntimeException e) {
        return Double.NaN;
      }
    }).description("Usage events not delivered yet").register(registry);
    return new UsageEventExporter.Listener() {
      @Override
      public void onDelivered(int events) {
        delivered.increment(events);
      }

      @Override
      public void onFailed(int events) {
        failed.increment(events);
      }

      @Override
      public void onDeadLettered(int events) {
        dead.increment(events);
      }
    };
  }
}
