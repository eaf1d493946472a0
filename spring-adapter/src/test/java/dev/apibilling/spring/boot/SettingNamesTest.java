package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.servlet.RequestBilling;
import dev.apibilling.servlet.StoreFailurePolicy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The request flow's properties are the builder's settings in kebab-case; the names they had before keep
 * binding, and a rule of core or of the flow that a value breaks is reported under the property set.
 */
final class SettingNamesTest {

  private final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(
      AutoConfigurations.of(ApiBillingAutoConfiguration.class, ApiBillingWebMvcAutoConfiguration.class));

  @Test
  void propertiesNamedAsTheBuilderSettingsConfigureTheFlow() {
    web.withPropertyValues("apibilling.header-style=ietf", "apibilling.store-failure-policy=fail-closed",
            "apibilling.store-failure-retry-after=7s", "apibilling.throw-on-quota-exceeded=true",
            "apibilling.bill-cors-preflight=true", "apibilling.metadata-headers=X-Workflow-Id",
            "apibilling.problem-type-base=https://docs.example/problems/")
        .run(context -> assertFlow(context.getBean(RequestBilling.class)));
  }

  @Test
  void deprecatedNamesStillBind() {
    web.withPropertyValues("apibilling.headers=ietf", "apibilling.failure-policy=fail-closed",
            "apibilling.failure-retry-after=7s", "apibilling.throw-on-quota-exceeded=true",
            "apibilling.bill-cors-preflight=true", "apibilling.events.metadata-headers=X-Workflow-Id",
            "apibilling.problem-type-base=https://docs.example/problems/")
        .run(context -> {
          assertFlow(context.getBean(RequestBilling.class));
          ApiBillingProperties p = context.getBean(ApiBillingProperties.class);
          assertThat(p.headerStyle()).isEqualTo(p.headers()).isEqualTo(HeaderStyle.IETF);
        });
  }

  @Test
  void usageEventsAndTheirSourceBindUnderTheBuilderNamesAndTheOldOnes() {
    web.withPropertyValues("apibilling.usage-events=true", "apibilling.event-source=urn:settings:new")
        .run(context -> {
          ApiBillingProperties p = context.getBean(ApiBillingProperties.class);
          assertThat(p.recordsUsageEvents()).isTrue();
          assertThat(p.eventSource()).isEqualTo("urn:settings:new");
          assertThat(context.getBean(ApiBilling.class).recordsUsageEvents()).isTrue();
        });
    web.withPropertyValues("apibilling.events.enabled=true", "apibilling.events.source=urn:settings:old")
        .run(context -> {
          assertThat(context.getBean(ApiBillingProperties.class).eventSource()).isEqualTo("urn:settings:old");
          assertThat(context.getBean(ApiBilling.class).recordsUsageEvents()).isTrue();
        });
    assertFails("apibilling.event-source=has space", "apibilling.event-source: event source must be 1 to 256");
  }

  private static void assertFlow(RequestBilling flow) {
    assertThat(flow.headerStyle()).isEqualTo(HeaderStyle.IETF);
    assertThat(flow.storeFailurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
    assertThat(flow.storeFailureRetryAfter()).isEqualTo(Duration.ofSeconds(7));
    assertThat(flow.throwsOnQuotaExceeded()).isTrue();
    assertThat(flow.billsCorsPreflight()).isTrue();
    assertThat(flow.metadataHeaders()).isEqualTo(List.of("X-Workflow-Id"));
    assertThat(flow.problems().typeBase()).isEqualTo("https://docs.example/problems/");
  }

  @Test
  void oldAndNewNameOfOneSettingTogetherFailStartUp() {
    web.withPropertyValues("apibilling.headers=ietf", "apibilling.header-style=legacy").run(context -> {
      assertThat(context).hasFailed();
      assertThat(ApiBillingPropertiesBindingTest.messages(context.getStartupFailure())).contains(
          "apibilling.headers is the deprecated name of apibilling.header-style; set only apibilling.header-style");
    });
  }

  @Test
  void ruleOfTheFlowIsReportedUnderThePropertySet() {
    assertFails("apibilling.store-failure-retry-after=0s", "apibilling.store-failure-retry-after must be > 0 but was PT0S");
    assertFails("apibilling.failure-retry-after=0s", "apibilling.failure-retry-after must be > 0 but was PT0S");
    assertFails("apibilling.failure-log-interval=-1s", "apibilling.failure-log-interval must be > 0 but was PT-1S");
  }

  @Test
  void ruleOfCoreIsReportedUnderThePropertySet() {
    assertFails("apibilling.thresholds=0.5,1.5", "apibilling.thresholds must be > 0 and <= 1 but had 1.5");
    assertFails("apibilling.reservation-ttl=0s", "apibilling.reservation-ttl must be > 0 but was PT0S");
    assertFails("apibilling.quota-source.cache-size=0", "apibilling.quota-source.cache-size must be > 0 but was 0");
    assertFails("apibilling.events.source=has space", "apibilling.events.source: event source must be 1 to 256");
    assertFails("apibilling.default-credits=-1", "apibilling.default-credits: default credits must be >= 0");
  }

  private void assertFails(String property, String expected) {
    web.withPropertyValues(property).run(context -> {
      assertThat(context).hasFailed();
      assertThat(ApiBillingPropertiesBindingTest.messages(context.getStartupFailure())).contains(expected);
    });
  }
}
