package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.QuotaPlans;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The quota JSON file binds to the quota language: same plans as properties, its own shape errors. */
final class QuotaJsonTest {

  @Test
  void propertiesAndJsonReadTheSamePlans() {
    Properties p = new Properties();
    p.setProperty("plan.free", "day:500, month:10000");
    p.setProperty("client.acme", "free");
    QuotaPlans fromProperties = QuotaPlans.fromProperties(p);
    QuotaPlans fromJson = QuotaJson.read("""
        {"plans": {"free": [{"duration": "day", "limit": 500}, {"duration": "MONTH", "limit": "10000"}]},
         "clients": {"acme": "free"}}
        """);

    assertThat(fromJson.plans()).isEqualTo(fromProperties.plans());
    assertThat(fromJson.clients()).isEqualTo(fromProperties.clients());
    assertThat(fromJson.defaultPlan()).isEmpty();
  }

  @Test
  void jsonMistakesAreRejectedNamingTheEntry() {
    assertThatThrownBy(() -> QuotaJson.read("{\"plans\": {\"free\": [{\"duration\": \"day\", \"limit\": 1.5}]}, \"defaultPlan\": \"free\"}"))
        .hasMessageContaining("quota 0 of plan 'free'").hasMessageContaining("whole number");
    assertThatThrownBy(() -> QuotaJson.read("{\"plans\": {\"free\": \"day:1\"}, \"defaultPlan\": \"free\", \"extra\": 1}"))
        .hasMessageContaining("unknown member 'extra'");
    assertThatThrownBy(() -> QuotaJson.read("{\"plans\": "))
        .hasMessageContaining("quota JSON is malformed at line 1");
  }

  @Test
  void jsonAnchorsAreADateALocalDateTimeOrAnInstant() {
    QuotaPlans plans = QuotaPlans.parse(
        "bought = month:100 anchor=2026-01-31T09:30 zone=Europe/Berlin, year:1000 anchor=2026-01-31T08:30:00Z",
        "bought", null);
    QuotaPlans json = QuotaJson.read("""
        {"plans": {"bought": [{"duration": "month", "limit": 100, "anchor": "2026-01-31T09:30",
          "zone": "Europe/Berlin"}, {"duration": "year", "limit": 1000, "anchor": "2026-01-31T08:30:00Z"}]},
         "defaultPlan": "bought"}
        """);
    assertThat(json.plans().get("bought")).isEqualTo(plans.plans().get("bought"));
    assertThatThrownBy(() -> QuotaJson.read(
        "{\"plans\": {\"free\": [{\"duration\": \"day\", \"limit\": 1, \"anchor\": \"2026-02-30\"}]}, "
            + "\"defaultPlan\": \"free\"}"))
        .hasMessageContaining("quota 0 of plan 'free'").hasMessageContaining("FEBRUARY 30");
  }
}
