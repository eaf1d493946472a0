package dev.apibilling.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.servlet.ChargePolicy;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.servlet.StoreFailurePolicy;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Binding of the {@code apibilling.*} properties: every form they take, and start-up failures that name
 * the property that is wrong.
 */
final class ApiBillingPropertiesBindingTest {

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(ApiBillingAutoConfiguration.class));

  @Test
  void structuredAndCompactPlansBindToTheSameQuotas() {
    runner.withPropertyValues(
        "apibilling.plans.structured[0].duration=day",
        "apibilling.plans.structured[0].limit=500",
        "apibilling.plans.structured[1].duration=month",
        "apibilling.plans.structured[1].limit=10000",
        "apibilling.plans.structured[1].anchor=2026-01-31",
        "apibilling.plans.structured[1].zone=Europe/Berlin",
        "apibilling.plans.structured[2].duration=year",
        "apibilling.plans.structured[2].unlimited=true",
        "apibilling.plans.structured[2].policy=lifetime",
        "apibilling.plans.compact=day:500, month:10000 anchor=2026-01-31 zone=Europe/Berlin, "
            + "year:unlimited name=lifetime",
        "apibilling.clients.acme.plan=structured",
        "apibilling.clients[Acme.EU].plan=compact")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ApiBilling billing = context.getBean(ApiBilling.class);
          List<QuotaDefinition> expected = List.of(
              QuotaDefinition.of(QuotaDuration.DAY, 500),
              QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(LocalDate.of(2026, 1, 31))
                  .inZone(ZoneId.of("Europe/Berlin")),
              QuotaDefinition.unlimited(QuotaDuration.YEAR).named("lifetime"));
          assertThat(billing.clientQuotas("acme")).contains(expected);
          assertThat(billing.clientQuotas("Acme.EU")).contains(expected);
          assertThat(billing.clientQuotas("stranger")).isEmpty();
        });
  }

  @Test
  void anchorsBindAsADateALocalDateTimeOrAnInstantInBothForms() {
    runner.withPropertyValues(
        "apibilling.plans.structured[0].duration=month",
        "apibilling.plans.structured[0].limit=100",
        "apibilling.plans.structured[0].anchor=2026-01-31T09:30",
        "apibilling.plans.structured[0].zone=Europe/Berlin",
        "apibilling.plans.structured[1].duration=year",
        "apibilling.plans.structured[1].limit=1000",
        "apibilling.plans.structured[1].anchor=2026-01-31T08:30:00Z",
        "apibilling.plans.compact=month:100 anchor=2026-01-31T09:30 zone=Europe/Berlin, "
            + "year:1000 anchor=2026-01-31T08:30:00Z",
        "apibilling.clients.acme.plan=structured",
        "apibilling.clients.globex.plan=compact")
        .run(context -> {
          assertThat(context).hasNotFailed();
          ApiBilling billing = context.getBean(ApiBilling.class);
          List<QuotaDefinition> expected = List.of(
              QuotaDefinition.of(QuotaDuration.MONTH, 100).anchoredAt(LocalDateTime.of(2026, 1, 31, 9, 30))
                  .inZone(ZoneId.of("Europe/Berlin")),
              QuotaDefinition.of(QuotaDuration.YEAR, 1000).anchoredAt(Instant.parse("2026-01-31T08:30:00Z")));
          assertThat(billing.clientQuotas("acme")).contains(expected);
          assertThat(billing.clientQuotas("globex")).contains(expected);
        });
  }

  @Test
  void malformedAnchorFailsStartUpNamingTheQuotaAndTheFormsAllowed() {
    assertStartUpFails(List.of("apibilling.plans.pro[0].duration=day", "apibilling.plans.pro[0].limit=5",
            "apibilling.plans.pro[0].anchor=2026-01-31 09:30"),
        "apibilling.plans.pro[0]", "local date-time like 2026-01-31T09:30", "'2026-01-31 09:30'");
  }

  @Test
  void defaultsAreThoseDocumented() {
    runner.run(context -> {
      ApiBillingProperties p = context.getBean(ApiBillingProperties.class);
      assertThat(p.store()).isEqualTo("memory");
      assertThat(p.headers()).isEqualTo(HeaderStyle.BOTH);
      assertThat(p.chargePolicy()).isEqualTo(ChargePolicy.BELOW_500);
      assertThat(p.failurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_OPEN);
      assertThat(p.clientResolver()).isEqualTo(ApiBillingProperties.ClientResolverKind.AUTO);
      assertThat(p.apiKey().header()).isEqualTo("X-Api-Key");
      assertThat(p.defaultCredits()).isZero();
      assertThat(p.thresholds()).containsExactly(0.8, 1.0);
      assertThat(p.plans()).isEmpty();
    });
  }

  @Test
  void policiesAndStylesBindFromTheirConfigurationNames() {
    runner.withPropertyValues("apibilling.headers=ietf", "apibilling.charge-policy=success-2xx",
        "apibilling.failure-policy=fail-closed", "apibilling.client-resolver=api-key")
        .run(context -> {
          ApiBillingProperties p = context.getBean(ApiBillingProperties.class);
          assertThat(p.headers()).isEqualTo(HeaderStyle.IETF);
          assertThat(p.chargePolicy()).isEqualTo(ChargePolicy.SUCCESS_2XX);
          assertThat(p.failurePolicy()).isEqualTo(StoreFailurePolicy.FAIL_CLOSED);
          assertThat(p.clientResolver()).isEqualTo(ApiBillingProperties.ClientResolverKind.API_KEY);
        });
  }

  @Test
  void defaultPlanAppliesToClientsNotListed() {
    runner.withPropertyValues("apibilling.plans.free=day:10", "apibilling.default-plan=free")
        .run(context -> assertThat(context.getBean(ApiBilling.class).clientQuotas("anyone"))
            .isEqualTo(Optional.of(List.of(QuotaDefinition.of(QuotaDuration.DAY, 10)))));
  }

  @Test
  void negativeLimitFailsStartUpNamingTheQuota() {
    assertStartUpFails(List.of("apibilling.plans.pro[0].duration=day", "apibilling.plans.pro[0].limit=-5"),
        "apibilling.plans.pro[0]", "limit must be >= 0 but was -5");
  }

  @Test
  void unknownDurationFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.plans.pro[0].duration=fortnight", "apibilling.plans.pro[0].limit=5"),
        "apibilling.plans.pro[0].duration", "fortnight");
  }

  @Test
  void quotaWithoutLimitFailsStartUp() {
    assertStartUpFails(List.of("apibilling.plans.pro[0].duration=day"),
        "apibilling.plans.pro[0]", "limit is required (or unlimited=true)");
  }

  @Test
  void malformedCompactQuotaFailsStartUpNamingThePlan() {
    assertStartUpFails(List.of("apibilling.plans.free=day=500"), "apibilling.plans.free", "day=500");
  }

  @Test
  void quotaErrorsAreReportedUnderThePropertyCoreNamesAsTheirSetting() {
    assertStartUpFails(List.of("apibilling.plans.pro=day:5, day:6", "apibilling.default-plan=pro"),
        "apibilling.plans: plan 'pro': ", "appears twice");
    assertStartUpFails(List.of("apibilling.plans.pro=day:5", "apibilling.default-plan=gold"),
        "apibilling.default-plan is 'gold' but apibilling.plans defines only [pro]");
    assertStartUpFails(List.of("apibilling.plans.pro=day:5", "apibilling.clients.acme.plan="),
        "apibilling.clients.acme.plan is required: one of the plans [pro]");
  }

  @Test
  void clientOnAnUndefinedPlanFailsStartUp() {
    assertStartUpFails(List.of("apibilling.plans.pro=day:5", "apibilling.clients.acme.plan=gold"),
        "apibilling.clients.acme.plan is 'gold' but apibilling.plans defines only [pro]");
  }

  @Test
  void apiKeyOfTwoClientsFailsStartUpWithoutEchoingTheKey() {
    assertStartUpFails(List.of("apibilling.plans.pro=day:5",
            "apibilling.clients.a.plan=pro", "apibilling.clients.a.api-keys=s3cret-key",
            "apibilling.clients.b.plan=pro", "apibilling.clients.b.api-keys=s3cret-key"),
        "is also an API key of client");
    runner.withPropertyValues("apibilling.plans.pro=day:5",
            "apibilling.clients.a.plan=pro", "apibilling.clients.a.api-keys=s3cret-key",
            "apibilling.clients.b.plan=pro", "apibilling.clients.b.api-keys=s3cret-key")
        .run(context -> assertThat(messages(context.getStartupFailure())).doesNotContain("s3cret-key"));
  }

  @Test
  void wrongHeaderStyleFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.headers=fancy"), "apibilling.headers", "fancy");
  }

  @Test
  void malformedCostRuleFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.cost-rules=POST /api/reports"),
        "apibilling.cost-rules: cost rule must be '[METHOD] /pattern = credits [as OPERATION]' but was 'POST /api/reports'");
  }

  @Test
  void nonPositiveTtlFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.idempotency-ttl=0s"), "apibilling.idempotency-ttl must be > 0");
  }

  @Test
  void principalChallengeThatIsNoChallengeFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.principal-challenge=Basic\r\nX-Evil: 1"),
        "apibilling.principal-challenge: principal challenge must be a WWW-Authenticate challenge");
  }

  @Test
  void storeWithoutItsModuleFailsStartUpNamingTheProperty() {
    assertStartUpFails(List.of("apibilling.store=mongodb://127.0.0.1/billing"),
        "apibilling.store: no usage store supports 'mongodb:' URLs");
  }

  @Test
  void apiKeysAreNotShownByThePropertiesToString() {
    runner.withPropertyValues("apibilling.plans.pro=day:5", "apibilling.clients.a.plan=pro",
        "apibilling.clients.a.api-keys=s3cret-key").run(context -> {
          ApiBillingProperties p = context.getBean(ApiBillingProperties.class);
          assertThat(p.apiKeys()).containsEntry("s3cret-key", "a");
          assertThat(p.toString()).contains("plan=pro").doesNotContain("s3cret-key");
        });
  }

  @Test
  void configurationMetadataDescribesEveryProperty() throws Exception {
    JsonNode metadata;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated configuration metadata").isNotNull();
      metadata = new ObjectMapper().readTree(in);
    }
    Map<String, String> described = new HashMap<>();
    metadata.path("properties").forEach(p -> described.put(p.path("name").asText(), p.path("description").asText()));
    for (RecordComponent c : ApiBillingProperties.class.getRecordComponents()) {
      if (c.getType().isRecord()) {
        for (RecordComponent nested : c.getType().getRecordComponents()) {
          assertThat(described.get("apibilling." + kebab(c.getName()) + "." + kebab(nested.getName())))
              .as(c.getName() + "." + nested.getName()).isNotBlank();
        }
      } else {
        assertThat(described.get("apibilling." + kebab(c.getName()))).as(c.getName()).isNotBlank();
      }
    }
    assertThat(metadata.path("hints").findValuesAsText("name")).contains("apibilling.store");
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private void assertStartUpFails(List<String> properties, String... expectedInMessages) {
    runner.withPropertyValues(properties.toArray(new String[0])).run(context -> {
      assertThat(context).hasFailed();
      String messages = messages(context.getStartupFailure());
      for (String expected : expectedInMessages) {
        assertThat(messages).contains(expected);
      }
    });
  }

  /** The messages of a failure and all its causes, as Boot's start-up report shows them. */
  static String messages(Throwable failure) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append('\n');
    }
    return b.toString();
  }
}
