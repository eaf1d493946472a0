package dev.apibilling.spring.boot;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingListener;
import dev.apibilling.BillingMetrics;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaDefinitionSource;
import dev.apibilling.QuotaPlans;
import dev.apibilling.SettingException;
import dev.apibilling.events.EventSink;
import dev.apibilling.events.ExporterMetrics;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStores;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.util.ClassUtils;

/**
 * Auto-configures an {@link ApiBilling} from the {@code apibilling.*} properties ({@link ApiBillingProperties}).
 *
 * <p>Beans, each replaced by one the application defines:
 *
 * <ul>
 *   <li>{@code apiBillingQuotaConverter}: reads quotas written in one line ({@code day:500})
 *   <li>{@code UsageStore}: opened from {@code apibilling.store} ({@code memory} by default); closed with
 *       the context
 *   <li>{@code ApiBilling}: the plans of {@code apibilling.clients}, the default plan, and any
 *       {@code QuotaDefinitionSource}, {@code Clock} (when there is exactly one), {@code BillingListener}
 *       and {@link ApiBillingBuilderCustomizer} beans
 *   <li>{@code apiBillingMetrics} (a {@code BillingListener}): Micrometer meters, when there is one
 *       {@code MeterRegistry} bean (see {@link BillingMetrics}); {@code apiBillingLeaseMetrics} adds the
 *       lease meters when {@code apibilling.leases.enabled} is true
 *   <li>{@code UsageEventExporter}: when {@code apibilling.events.export-to} or {@code export-file} is
 *       set, exports the store's usage events on a thread of its own (with exporter meters when there is
 *       one {@code MeterRegistry} bean); stopped with the context
 * </ul>
 *
 * <p>{@code apibilling.enabled=false} switches all of it off.
 */
@AutoConfiguration(afterName = {
    // Boot 3.x
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
    // Boot 4.x
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass(ApiBilling.class)
@ConditionalOnProperty(prefix = "apibilling", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(ApiBillingProperties.class)
public class ApiBillingAutoConfiguration {

  /** Binds quotas written in one line ({@code day:500}). */
  @Bean
  @ConfigurationPropertiesBinding
  @ConditionalOnMissingBean(name = "apiBillingQuotaConverter")
  static Converter<String, ApiBillingProperties.Quota> apiBillingQuotaConverter() {
    return new QuotaConverter();
  }

  /** The store named by {@code apibilling.store}. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public UsageStore apiBillingUsageStore(ApiBillingProperties properties) {
    try {
      return UsageStores.open(properties.store());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.store: " + e.getMessage(), e);
    }
  }

  /** The billing, with the plans and clients of the properties. */
  @Bean
  @ConditionalOnMissingBean
  public ApiBilling apiBilling(ApiBillingProperties properties, UsageStore store,
      ObjectProvider<Clock> clock, ObjectProvider<QuotaDefinitionSource> quotaSource,
      ObjectProvider<BillingListener> listeners, ObjectProvider<ApiBillingBuilderCustomizer> customizers) {
    QuotaPlans plans = properties.quotaPlans();
    ApiBilling.Builder builder;
    try {
      builder = ApiBilling.builder()
          .store(store)
          .historyZone(properties.historyZone())
          .idempotencyTtl(properties.idempotencyTtl())
          .reservationTtl(properties.reservationTtl())
          .thresholds(properties.thresholds().stream().mapToDouble(Double::doubleValue).toArray())
          .quotaSourceCacheTtl(properties.quotaSource().cacheTtl())
          .quotaSourceCacheSize(properties.quotaSource().cacheSize())
          .usageEvents(properties.recordsUsageEvents());
      String eventSource = properties.eventSource();
      if (eventSource != null) {
        builder.eventSource(eventSource);
      }
    } catch (SettingException e) {
      throw properties.named(e);
    }
    Clock c = clock.getIfUnique();
    if (c != null) {
      builder.clock(c);
    }
    if (properties.leases().enabled()) {
      builder.leases(LeaseSettings.defaults());
    }
    QuotaDefinitionSource source = quotaSource.getIfUnique();
    if (source != null) {
      builder.quotaSource(source);
    }
    plans.configure(builder);
    listeners.orderedStream().forEach(builder::listener);
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return plans.assign(builder.build());
  }

  /**
   * The exporter of usage events, when {@code apibilling.events.export-to} or {@code export-file} is set:
   * started with the context, stopped with it.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  @ConditionalOnExpression("'${apibilling.events.export-to:}' != '' or '${apibilling.events.export-file:}' != ''")
  public UsageEventExporter apiBillingEventExporter(ApiBillingProperties properties, UsageStore store,
      BeanFactory beans) {
    ApiBillingProperties.Events events = properties.events();
    URI to = events.exportTo();
    String file = events.exportFile();
    EventSink sink = to != null ? EventSink.cloudEventsHttp(to) : EventSink.jsonLines(Path.of(Objects.requireNonNull(file)));
    UsageEventExporter.Builder builder;
    try {
      builder = UsageEventExporter.builder(store, sink)
          .batchSize(events.batchSize())
          .retention(events.retention());
    } catch (SettingException e) {
      throw properties.named(e);
    }
    ClassLoader loader = beans instanceof ConfigurableBeanFactory c ? c.getBeanClassLoader() : null;
    if (properties.metrics().enabled() && ClassUtils.isPresent("io.micrometer.core.instrument.MeterRegistry", loader)) {
      ExporterMeters.add(builder, beans);
    }
    return builder.build().start();
  }

  /** Loaded only when Micrometer is on the class path. */
  private static final class ExporterMeters {
    static void add(UsageEventExporter.Builder builder, BeanFactory beans) {
      MeterRegistry registry = beans.getBeanProvider(MeterRegistry.class).getIfUnique();
      if (registry != null) {
        builder.metrics(ExporterMetrics.monitor(registry));
      }
    }
  }

  /** Micrometer meters of the billing. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnSingleCandidate(MeterRegistry.class)
  @ConditionalOnProperty(prefix = "apibilling.metrics", name = "enabled", matchIfMissing = true)
  static class MetricsConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "apiBillingMetrics")
    BillingListener apiBillingMetrics(MeterRegistry registry, ApiBillingProperties properties) {
      return BillingMetrics.listener(registry, properties.metrics().tagClientId());
    }

    /** Registers the lease meters of the billing once it exists (nothing when leases are off). */
    @Bean
    @ConditionalOnMissingBean(name = "apiBillingLeaseMetrics")
    SmartInitializingSingleton apiBillingLeaseMetrics(MeterRegistry registry, ObjectProvider<ApiBilling> billing) {
      return () -> billing.ifUnique(b -> BillingMetrics.monitorLeases(registry, b));
    }
  }
}
