package dev.apibilling.spring.boot;

import static dev.apibilling.spring.boot.ApiBillingPropertiesBindingTest.messages;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.BillingListener;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDefinitionSource;
import dev.apibilling.QuotaDuration;
import dev.apibilling.UsageEvent;
import dev.apibilling.events.UsageEventExporter;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.servlet.ApiKeyRegistry;
import dev.apibilling.servlet.ClientResolution;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.RequestBilling;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spring.Billed;
import dev.apibilling.spring.BillingExceptionResolver;
import dev.apibilling.spring.BillingHandlerInterceptor;
import dev.apibilling.spring.CostFunction;
import dev.apibilling.tck.MutableClock;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.converter.Converter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Which beans the auto-configuration makes, and that each backs off when the application has its own. */
final class ApiBillingAutoConfigurationTest {

  private static final AutoConfigurations BILLING =
      AutoConfigurations.of(ApiBillingAutoConfiguration.class, ApiBillingWebMvcAutoConfiguration.class);

  private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(BILLING);
  private final ApplicationContextRunner plain = new ApplicationContextRunner().withConfiguration(BILLING);

  @Test
  void everyAutoConfiguredBeanBacksOffForTheApplicationsOwn() {
    web.withUserConfiguration(OwnBeans.class).run(context -> {
      assertThat(context).hasNotFailed();
      OwnBeans own = context.getBean(OwnBeans.class);
      assertThat(context).getBean(UsageStore.class).isSameAs(own.store);
      assertThat(context).getBean(ApiBilling.class).isSameAs(own.billing);
      assertThat(context).getBean(ApiKeyRegistry.class).isSameAs(own.keys);
      assertThat(context).getBean(ClientResolver.class).isSameAs(own.resolver);
      assertThat(context).getBean(RequestBilling.class).isSameAs(own.requestBilling);
      assertThat(context).getBean(BillingHandlerInterceptor.class).isSameAs(own.interceptor);
      assertThat(context).getBean(BillingExceptionResolver.class).isSameAs(own.exceptionResolver);
      assertThat(context.getBean("apiBillingQuotaConverter")).isSameAs(own.converter);
      assertThat(context.getBean("apiBillingMetrics")).isSameAs(own.metrics);
      assertThat(context.getBean("apiBillingRequestMetrics")).isSameAs(own.requestMetrics);
      assertThat(context.getBean("apiBillingWebMvcConfigurer")).isSameAs(own.configurer);
      assertThat(context.getBean("apiBillingHandlerValidator")).isSameAs(own.validator);
      assertThat(context).getBeans(BillingListener.class).hasSize(1);
      assertThat(context).getBeans(WebMvcConfigurer.class).hasSize(1);
      assertThat(own.billing.clientQuotas("from-properties")).isEmpty(); // properties apply to ours only
    });
  }

  @Test
  void everyBeanIsAutoConfiguredWhenTheApplicationHasNone() {
    web.withBean(SimpleMeterRegistry.class).run(context -> {
      assertThat(context).hasNotFailed();
      assertThat(context).hasSingleBean(UsageStore.class).hasSingleBean(ApiBilling.class)
          .hasSingleBean(ApiKeyRegistry.class).hasSingleBean(ClientResolver.class)
          .hasSingleBean(RequestBilling.class).hasSingleBean(BillingHandlerInterceptor.class)
          .hasSingleBean(BillingExceptionResolver.class).hasBean("apiBillingQuotaConverter")
          .hasBean("apiBillingMetrics").hasBean("apiBillingRequestMetrics")
          .hasBean("apiBillingWebMvcConfigurer").hasBean("apiBillingHandlerValidator");
      assertThat(context).getBean(UsageStore.class).isInstanceOf(InMemoryUsageStore.class);
    });
  }

  @Test
  void storeUrlIsOpenedByTheProviderOnTheClassPath() {
    plain.withPropertyValues("apibilling.store=test://billing").run(context -> {
      assertThat(context).getBean(UsageStore.class).isInstanceOf(TestStoreProvider.OpenedStore.class);
      assertThat(((TestStoreProvider.OpenedStore) context.getBean(UsageStore.class)).url())
          .isEqualTo("test://billing");
    });
  }

  @Test
  void webBeansAreLeftOutOfANonWebApplication() {
    plain.run(context -> {
      assertThat(context).hasSingleBean(ApiBilling.class);
      assertThat(context).doesNotHaveBean(RequestBilling.class).doesNotHaveBean(BillingHandlerInterceptor.class)
          .doesNotHaveBean(BillingExceptionResolver.class);
    });
  }

  @Test
  void disabledBillingConfiguresNothing() {
    web.withPropertyValues("apibilling.enabled=false").run(context -> assertThat(context)
        .doesNotHaveBean(ApiBilling.class).doesNotHaveBean(UsageStore.class)
        .doesNotHaveBean(BillingHandlerInterceptor.class));
  }

  @Test
  void leasesPropertySwitchesLeasedBudgetsOn() {
    for (boolean on : new boolean[] {true, false}) {
      plain.withBean(SimpleMeterRegistry.class).withPropertyValues("apibilling.plans.p=day:1000",
          "apibilling.clients.acme.plan=p", "apibilling.leases.enabled=" + on).run(context -> {
            ApiBilling billing = context.getBean(ApiBilling.class);
            for (int i = 0; i < 100; i++) {
              billing.trackClientUsage("acme", 1);
            }
            assertThat(billing.leaseStats().localDecisions() > 0).as("leases on").isEqualTo(on);
            assertThat(context.getBean(MeterRegistry.class).find("apibilling.leases.grants").functionCounter())
                .as("lease meters").matches(m -> (m != null) == on);
            assertThat(billing.status("acme").quotas().get(0).used()).isEqualTo(100);
          });
    }
  }

  @Test
  void metricsAreBoundOnlyWhenThereIsAMeterRegistry() {
    plain.run(context -> assertThat(context).doesNotHaveBean("apiBillingMetrics"));
    plain.withBean(SimpleMeterRegistry.class).withPropertyValues("apibilling.metrics.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("apiBillingMetrics"));
    plain.withBean(SimpleMeterRegistry.class)
        .withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p")
        .run(context -> {
          context.getBean(ApiBilling.class).trackClientUsage("acme", 2);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          assertThat(registry.get("apibilling.decisions").tag("outcome", "granted").counter().count())
              .isEqualTo(1);
          assertThat(registry.get("apibilling.credits").tag("outcome", "granted").counter().count())
              .isEqualTo(2);
        });
  }

  @Test
  void startsWithoutMicrometerOnTheClassPath() {
    web.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(ApiBilling.class).hasSingleBean(RequestBilling.class);
      assertThat(context).doesNotHaveBean("apiBillingMetrics").doesNotHaveBean("apiBillingRequestMetrics");
    });
  }

  @Test
  void exportToAFileRecordsEventsExportsThemAndMetersTheExporter(@TempDir Path dir) {
    Path file = dir.resolve("events.jsonl");
    plain.withBean(SimpleMeterRegistry.class)
        .withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p",
            "apibilling.events.export-file=" + file, "apibilling.events.source=urn:spring:test")
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(UsageEventExporter.class);
          ApiBilling billing = context.getBean(ApiBilling.class);
          assertThat(billing.recordsUsageEvents()).isTrue();
          billing.trackClientUsage("acme", 2);
          UsageEventExporter exporter = context.getBean(UsageEventExporter.class);
          exporter.exportOnce(); // the exporter's own thread may have been first: then this finds nothing
          assertThat(exporter.lag()).isZero();
          List<String> lines = Files.readAllLines(file);
          assertThat(lines).hasSize(1);
          UsageEvent event = UsageEvent.fromJson(lines.get(0));
          assertThat(event.clientId()).isEqualTo("acme");
          assertThat(event.source()).isEqualTo("urn:spring:test");
          assertThat(context.getBean(MeterRegistry.class).get("apibilling.events.delivered").counter().count())
              .isEqualTo(1);
        });
  }

  @Test
  void eventsAreOffAndNoExporterRunsUnlessConfigured() {
    plain.run(context -> {
      assertThat(context).doesNotHaveBean(UsageEventExporter.class);
      assertThat(context.getBean(ApiBilling.class).recordsUsageEvents()).isFalse();
    });
    plain.withPropertyValues("apibilling.events.enabled=true").run(context -> {
      assertThat(context).doesNotHaveBean(UsageEventExporter.class);
      assertThat(context.getBean(ApiBilling.class).recordsUsageEvents()).isTrue();
    });
  }

  @Test
  void twoEventSinksAreRefusedNamingTheProperties() {
    plain.withPropertyValues("apibilling.events.export-to=http://127.0.0.1:1/events",
        "apibilling.events.export-file=/tmp/x.jsonl").run(context -> assertThat(messages(context.getStartupFailure()))
            .contains("apibilling.events.export-to and apibilling.events.export-file cannot both be set"));
  }

  @Test
  void quotaSourceBeanIsAskedOnceForAClientWithinTheCacheTtl() {
    AtomicInteger asked = new AtomicInteger();
    QuotaDefinitionSource source = id -> {
      asked.incrementAndGet();
      return id.startsWith("db-") ? Optional.of(List.of(QuotaDefinition.of(QuotaDuration.DAY, 7)))
          : Optional.empty();
    };
    plain.withBean(QuotaDefinitionSource.class, () -> source).run(context -> {
      ApiBilling billing = context.getBean(ApiBilling.class);
      billing.trackClientUsage("db-acme", 1);
      billing.trackClientUsage("db-acme", 1);
      assertThat(billing.status("db-acme").quotas().get(0).used()).isEqualTo(2);
      assertThat(billing.status("db-acme").quotas().get(0).limit()).isEqualTo(7);
      assertThat(billing.clientQuotas("stranger")).isEmpty();
      assertThat(billing.clientQuotas("stranger")).isEmpty();
      assertThat(asked).hasValue(2);
    });
  }

  @Test
  void clockListenerAndCustomizerBeansAreApplied() {
    MutableClock clock = MutableClock.at("2026-05-01T10:00:00Z");
    List<BillingDecision> heard = new ArrayList<>();
    web.withBean(MutableClock.class, () -> clock)
        .withBean(BillingListener.class, () -> new BillingListener() {
          @Override
          public void onDecision(BillingDecision decision) {
            heard.add(decision);
          }
        })
        .withBean(ApiBillingBuilderCustomizer.class, () -> builder -> builder.defaultQuotas(
            List.of(QuotaDefinition.of(QuotaDuration.HOUR, 3))))
        .run(context -> {
          BillingDecision d = context.getBean(ApiBilling.class).trackClientUsage("anyone", 1);
          assertThat(d.at()).isEqualTo(Instant.parse("2026-05-01T10:00:00Z"));
          assertThat(d.lowest().resetAt()).isEqualTo(Instant.parse("2026-05-01T11:00:00Z"));
          assertThat(heard).containsExactly(d);
        });
  }

  @Test
  void operationAttributePropertyNamesTheAttributeTheFlowReads() {
    web.withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p").run(context -> assertThat(
        context.getBean(RequestBilling.class).operationAttribute()).isEqualTo(RequestBilling.QUOTA_OPERATION_ATTRIBUTE));
    web.withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p",
        "apibilling.operation-attribute=app.op").run(context -> assertThat(
            context.getBean(RequestBilling.class).operationAttribute()).isEqualTo("app.op"));
    web.withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p",
        "apibilling.operation-attribute= ").run(context -> assertThat(messages(context.getStartupFailure()))
            .contains("apibilling.operation-attribute must be a request attribute name but was blank"));
  }

  @Test
  void autoResolverTakesThePrincipalAndElseTheApiKey() {
    web.withPropertyValues("apibilling.plans.p=day:5", "apibilling.clients.acme.plan=p",
        "apibilling.clients.acme.api-keys=k-acme", "apibilling.api-key.header=X-Key").run(context -> {
          ClientResolver resolver = context.getBean(ClientResolver.class);
          MockHttpServletRequest authenticated = new MockHttpServletRequest();
          Principal alice = () -> "alice";
          authenticated.setUserPrincipal(alice);
          authenticated.addHeader("X-Key", "k-acme");
          MockHttpServletRequest keyed = new MockHttpServletRequest();
          keyed.addHeader("X-Key", "k-acme");
          MockHttpServletRequest defaultHeader = new MockHttpServletRequest();
          defaultHeader.addHeader("X-Api-Key", "k-acme");

          assertThat(resolver.resolve(authenticated)).isEqualTo(ClientResolution.resolved("alice"));
          assertThat(resolver.resolve(keyed)).isEqualTo(ClientResolution.resolved("acme"));
          assertThat(resolver.resolve(defaultHeader).outcome()).isEqualTo(ClientResolution.Outcome.MISSING);
        });
  }

  @Test
  void principalResolverIgnoresApiKeys() {
    web.withPropertyValues("apibilling.client-resolver=principal", "apibilling.plans.p=day:5",
        "apibilling.clients.acme.plan=p", "apibilling.clients.acme.api-keys=k-acme").run(context -> {
          MockHttpServletRequest keyed = new MockHttpServletRequest();
          keyed.addHeader("X-Api-Key", "k-acme");
          assertThat(context.getBean(ClientResolver.class).resolve(keyed).outcome())
              .isEqualTo(ClientResolution.Outcome.MISSING);
        });
  }

  @Test
  void invalidBilledAnnotationsFailStartUpNamingTheMethod() {
    web.withUserConfiguration(Mvc.class, NegativeCredits.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(
          "@Billed on " + NegativeCredits.class.getName() + "#get: credits must be >= 0");
    });
    web.withUserConfiguration(Mvc.class, BadExpression.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(
          "@Billed on " + BadExpression.class.getName() + "#get has a cost expression that does not parse");
    });
    web.withUserConfiguration(Mvc.class, MissingFunction.class).run(context -> {
      assertThat(context).hasFailed();
      assertThat(messages(context.getStartupFailure())).contains(
          "@Billed on " + MissingFunction.class.getName() + "#get names costFunction");
    });
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebMvc
  static class Mvc {}

  @RestController
  static class NegativeCredits {
    @Billed(credits = -1)
    @GetMapping("/negative")
    String get() {
      return "";
    }
  }

  @RestController
  static class BadExpression {
    @Billed(cost = "#params['n'")
    @GetMapping("/bad")
    String get() {
      return "";
    }
  }

  @RestController
  static class MissingFunction {
    @Billed(costFunction = BilledHttpTestCost.class)
    @GetMapping("/missing")
    String get() {
      return "";
    }
  }

  /** A cost function no context declares. */
  static final class BilledHttpTestCost implements CostFunction {
    @Override
    public long credits(HttpServletRequest request) {
      return 1;
    }
  }

  /** One bean of each type the auto-configuration would make, under the same names where it matters. */
  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    final UsageStore store = InMemoryUsageStore.create();
    final ApiBilling billing = ApiBilling.builder().store(store).build();
    final ApiKeyRegistry keys = ApiKeyRegistry.of(Map.of("k", "from-properties"));
    final ClientResolver resolver = request -> ClientResolution.unknown();
    final RequestBilling requestBilling = RequestBilling.builder(billing).clientResolver(resolver).build();
    final BillingHandlerInterceptor interceptor =
        new BillingHandlerInterceptor(requestBilling, new DefaultListableBeanFactory());
    final BillingExceptionResolver exceptionResolver = new BillingExceptionResolver(
        requestBilling.problems(), requestBilling.headerStyle(), requestBilling.storeFailureRetryAfter());
    final Converter<String, ApiBillingProperties.Quota> converter = new QuotaConverter();
    final BillingListener metrics = new BillingListener() {};
    final Object requestMetrics = new Object();
    final WebMvcConfigurer configurer = new WebMvcConfigurer() {};
    final SmartInitializingSingleton validator = () -> {};

    @Bean
    SimpleMeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }

    @Bean
    UsageStore store() {
      return store;
    }

    @Bean
    ApiBilling billing() {
      return billing;
    }

    @Bean
    ApiKeyRegistry keys() {
      return keys;
    }

    @Bean
    ClientResolver resolver() {
      return resolver;
    }

    @Bean
    RequestBilling requestBilling() {
      return requestBilling;
    }

    @Bean
    BillingHandlerInterceptor interceptor() {
      return interceptor;
    }

    @Bean
    BillingExceptionResolver exceptionResolver() {
      return exceptionResolver;
    }

    @Bean
    Converter<String, ApiBillingProperties.Quota> apiBillingQuotaConverter() {
      return converter;
    }

    @Bean
    BillingListener apiBillingMetrics() {
      return metrics;
    }

    @Bean
    Object apiBillingRequestMetrics() {
      return requestMetrics;
    }

    @Bean
    WebMvcConfigurer apiBillingWebMvcConfigurer() {
      return configurer;
    }

    @Bean
    SmartInitializingSingleton apiBillingHandlerValidator() {
      return validator;
    }
  }
}
