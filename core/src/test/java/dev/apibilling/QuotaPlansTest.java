package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

final class QuotaPlansTest {

  @Test
  void inlinePlansParseEveryOption() {
    QuotaPlans plans = QuotaPlans.parse("""
        free = day:500, month:10_000 anchor=2026-01-31 zone=Europe/Berlin
        pro = hour:1000 name=burst, month:unlimited
        """, "free", "acme = pro; globex=pro");

    assertThat(plans.plans().get("free")).containsExactly(
        QuotaDefinition.of(QuotaDuration.DAY, 500),
        QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(LocalDate.of(2026, 1, 31))
            .inZone(ZoneId.of("Europe/Berlin")));
    assertThat(plans.plans().get("pro")).containsExactly(
        QuotaDefinition.of(QuotaDuration.HOUR, 1000).named("burst"),
        QuotaDefinition.unlimited(QuotaDuration.MONTH));
    assertThat(plans.clients()).containsEntry("acme", "pro").containsEntry("globex", "pro");

    try (ApiBilling billing = plans.build(ApiBilling.builder())) {
      assertThat(billing.clientQuotas("acme").orElseThrow()).hasSize(2).first()
          .satisfies(q -> assertThat(q.policy()).isEqualTo("burst"));
      assertThat(billing.clientQuotas("someone").orElseThrow()).isEqualTo(plans.plans().get("free"));
    }
  }

  @Test
  void mistakesAreRejectedNamingTheEntry() {
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5", "gold", null))
        .hasMessageContaining("default plan is 'gold' but plans defines only [free]");
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5; free = day:6", "free", null))
        .hasMessageContaining("plan 'free' is defined twice");
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5 anchor=tomorrow", "free", null))
        .hasMessageContaining("anchor must be an ISO date").hasMessageContaining("tomorrow");
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5 color=red", "free", null))
        .hasMessageContaining("'color=red'");
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:99999999999999999999", "free", null))
        .hasMessageContaining("<= 9007199254740991");
    assertThatThrownBy(() -> QuotaPlans.parse("free = ", "free", null))
        .hasMessageContaining("plan 'free'").hasMessageContaining("at least one");
    Properties p = new Properties();
    p.setProperty("plans.free", "day:5");
    assertThatThrownBy(() -> QuotaPlans.fromProperties(p)).hasMessageContaining("'plans.free'");
  }

  @Test
  void parsedQuotasKeepDefinitionOrder() {
    assertThat(QuotaPlans.parseQuotas("year:1, second:2").stream().map(QuotaDefinition::policy).toList())
        .isEqualTo(List.of("year", "second"));
  }

  @Test
  void structuredQuotasReadTheSameAsOneLine() {
    QuotaPlans plans = QuotaPlans.builder("apibilling.plans")
        .plan("line", "day:500, month:10000 anchor=2026-01-31 zone=Europe/Berlin, year:unlimited name=lifetime")
        .plan("fields", List.of(
            new QuotaFields("day", "500", false, null, null, null, null).toDefinition("a"),
            new QuotaFields("MONTH", "10_000", false, null, "2026-01-31", "Europe/Berlin", null).toDefinition("b"),
            new QuotaFields("year", null, true, "lifetime", null, null, null).toDefinition("c")))
        .client("acme", "fields", "apibilling.clients.acme.plan")
        .build();

    assertThat(plans.plans().get("fields")).isEqualTo(plans.plans().get("line"));
    assertThat(plans.clients()).containsEntry("acme", "fields");
  }

  @Test
  void structuredMistakesNameTheSettingAndWhatIsAllowed() {
    assertThatThrownBy(() -> QuotaPlans.builder("apibilling.plans").plan("pro", "day:5")
        .client("acme", "gold", "apibilling.clients.acme.plan").build())
        .hasMessage("apibilling.clients.acme.plan is 'gold' but apibilling.plans defines only [pro]");
    assertThatThrownBy(() -> QuotaPlans.builder("apibilling.plans").plan("pro", "day:5")
        .client("acme", null, "apibilling.clients.acme.plan").build())
        .hasMessage("apibilling.clients.acme.plan is required: one of the plans [pro] under apibilling.plans");
    assertThatThrownBy(() -> new QuotaFields("day", null, false, null, null, null, null).toDefinition("pro[0]"))
        .hasMessageContaining("limit is required (or unlimited=true)").hasMessageContaining("pro[0]");
    assertThatThrownBy(() -> new QuotaFields("day", "5", true, null, null, null, null).toDefinition("pro[0]"))
        .hasMessageContaining("limit must not be set on an unlimited quota");
    assertThatThrownBy(() -> new QuotaFields("day", "-5", false, null, null, null, null).toDefinition("pro[0]"))
        .hasMessageContaining("limit must be >= 0 but was -5");
    assertThatThrownBy(() -> QuotaPlans.builder("plans").plan("bad name", "day:5"))
        .hasMessageContaining("plan name must be 1 to 64").hasMessageContaining("'bad name'");
    assertThatThrownBy(() -> QuotaPlans.builder("plans").plan("free", "day:5").build().requireSomeClient())
        .hasMessageContaining("no client would have quotas");
  }

  @Test
  void anchorsAreADateALocalDateTimeOrAnInstant() {
    QuotaPlans plans = QuotaPlans.parse("""
        bought = month:100 anchor=2026-01-31T09:30 zone=Europe/Berlin, year:1000 anchor=2026-01-31T08:30:00Z
        offset = day:5 anchor=2026-01-31T09:30+01:00
        """, "bought", null);
    assertThat(plans.plans().get("bought")).containsExactly(
        QuotaDefinition.of(QuotaDuration.MONTH, 100).anchoredAt(LocalDateTime.of(2026, 1, 31, 9, 30))
            .inZone(ZoneId.of("Europe/Berlin")),
        QuotaDefinition.of(QuotaDuration.YEAR, 1000).anchoredAt(Instant.parse("2026-01-31T08:30:00Z")));
    assertThat(plans.plans().get("offset").get(0).anchorStart().toInstant())
        .isEqualTo(Instant.parse("2026-01-31T08:30:00Z"));
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5 anchor=2026-01-31T25:00", "free", null))
        .hasMessageContaining("plan 'free'").hasMessageContaining("local date-time like 2026-01-31T09:30")
        .hasMessageContaining("'2026-01-31T25:00'").hasMessageContaining("in 'day:5 anchor=2026-01-31T25:00'");
  }

  @Test
  void errorsNameTheirSettingAsData() {
    assertThat(settingOf(() -> QuotaPlans.parse("free day:5", "free", null))).isEqualTo(QuotaPlans.PLANS);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5; free = day:6", "free", null)))
        .isEqualTo(QuotaPlans.PLANS);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:-1", "free", null))).isEqualTo(QuotaPlans.PLANS);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5", "gold", null))).isEqualTo(QuotaPlans.DEFAULT_PLAN);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5", null, null))).isEqualTo(QuotaPlans.DEFAULT_PLAN);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5", null, "acme = gold"))).isEqualTo(QuotaPlans.CLIENTS);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5", null, "acme"))).isEqualTo(QuotaPlans.CLIENTS);
    assertThat(settingOf(() -> QuotaPlans.parse("free = day:5", null, "acme = free, acme = free")))
        .isEqualTo(QuotaPlans.CLIENTS);
  }

  private static String settingOf(Runnable parse) {
    try {
      parse.run();
    } catch (SettingException e) {
      return e.setting();
    }
    throw new AssertionError("no SettingException");
  }
}
