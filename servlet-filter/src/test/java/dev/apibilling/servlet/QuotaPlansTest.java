package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
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
  void propertiesAndJsonReadTheSamePlans() {
    Properties p = new Properties();
    p.setProperty("plan.free", "day:500, month:10000");
    p.setProperty("client.acme", "free");
    QuotaPlans fromProperties = QuotaPlans.fromProperties(p);
    QuotaPlans fromJson = QuotaPlans.fromJson("""
        {"plans": {"free": [{"duration": "day", "limit": 500}, {"duration": "MONTH", "limit": "10000"}]},
         "clients": {"acme": "free"}}
        """);

    assertThat(fromJson.plans()).isEqualTo(fromProperties.plans());
    assertThat(fromJson.clients()).isEqualTo(fromProperties.clients());
    assertThat(fromJson.defaultPlan()).isEmpty();
  }

  @Test
  void mistakesAreRejectedNamingTheEntry() {
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5", "gold", null))
        .hasMessageContaining("default plan 'gold' is not one of the plans [free]");
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
    assertThatThrownBy(() -> QuotaPlans.fromJson("{\"plans\": {\"free\": [{\"duration\": \"day\", \"limit\": 1.5}]}, \"defaultPlan\": \"free\"}"))
        .hasMessageContaining("quota 0 of plan 'free'").hasMessageContaining("whole number");
    assertThatThrownBy(() -> QuotaPlans.fromJson("{\"plans\": {\"free\": \"day:1\"}, \"defaultPlan\": \"free\", \"extra\": 1}"))
        .hasMessageContaining("unknown member 'extra'");
    assertThatThrownBy(() -> QuotaPlans.fromJson("{\"plans\": "))
        .hasMessageContaining("quota JSON is malformed at line 1");
  }

  @Test
  void parsedQuotasKeepDefinitionOrder() {
    assertThat(QuotaPlans.parseQuotas("year:1, second:2").stream().map(QuotaDefinition::policy).toList())
        .isEqualTo(List.of("year", "second"));
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
    QuotaPlans json = QuotaPlans.fromJson("""
        {"plans": {"bought": [{"duration": "month", "limit": 100, "anchor": "2026-01-31T09:30",
          "zone": "Europe/Berlin"}, {"duration": "year", "limit": 1000, "anchor": "2026-01-31T08:30:00Z"}]},
         "defaultPlan": "bought"}
        """);
    assertThat(json.plans().get("bought")).isEqualTo(plans.plans().get("bought"));
    assertThatThrownBy(() -> QuotaPlans.parse("free = day:5 anchor=2026-01-31T25:00", "free", null))
        .hasMessageContaining("plan 'free'").hasMessageContaining("local date-time like 2026-01-31T09:30")
        .hasMessageContaining("'2026-01-31T25:00'").hasMessageContaining("in 'day:5 anchor=2026-01-31T25:00'");
    assertThatThrownBy(() -> QuotaPlans.fromJson(
        "{\"plans\": {\"free\": [{\"duration\": \"day\", \"limit\": 1, \"anchor\": \"2026-02-30\"}]}, "
            + "\"defaultPlan\": \"free\"}"))
        .hasMessageContaining("quota 0 of plan 'free'").hasMessageContaining("FEBRUARY 30");
  }
}
