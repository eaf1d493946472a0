package dev.apibilling.events;

import dev.apibilling.spi.UsageEventLog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Micrometer metrics of a {@link UsageEventExporter}, the Micrometer binding of {@link ExporterMonitor}; add
 * them with {@code UsageEventExporter.builder(store, sink).metrics(ExporterMetrics.monitor(registry))}.
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

  /** The metrics above, recorded in {@code registry}, for {@link UsageEventExporter.Builder#metrics}. */
  public static ExporterMonitor monitor(MeterRegistry registry) {
    Counter delivered = Counter.builder("apibilling.events.delivered")
        .description("Usage events delivered").register(registry);
    Counter failed = Counter.builder("apibilling.events.failed")
        .description("Usage events of failed deliveries").register(registry);
    Counter dead = Counter.builder("apibilling.events.dead")
        .description("Usage events dead-lettered").register(registry);
    return new ExporterMonitor() {
      @Override
      public void bindTo(UsageEventLog log) {
        Gauge.builder("apibilling.events.lag", log, l -> {
          try {
            return l.undelivered();
          } catch (RuntimeException e) {
            return Double.NaN;
          }
        }).description("Usage events not delivered yet").register(registry);
      }

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
