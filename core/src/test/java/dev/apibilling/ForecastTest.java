package dev.apibilling;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Burn-rate forecasts, their events and the predictive reserve, driven by a {@link MutableClock}. */
final class ForecastTest {

  private final MutableClock clock = MutableClock.at("2026-03-10T00:00:00Z");
  private final List<String> events = new ArrayList<>();
  private final ApiBilling billing = billing(ForecastSettings.defaults());

  private ApiBilling billing(ForecastSettings settings) {
    return ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock).forecasts(settings)
        .listener(new BillingListener() {
          @Override
          public void onProjectionCrossed(String clientId, QuotaState quota, boolean over) {
            events.add(quota.policy() + (over ? " over" : " back") + " at " + quota.used()
                + " exhausts " + quota.forecast().exhaustsAt());
          }
        })
        .build();
  }

  private QuotaForecast forecast(ApiBilling b, String client, String policy) {
    for (QuotaState q : b.status(client).quotas()) {
      if (q.policy().equals(policy)) {
        return q.forecastIfKnown().orElseThrow();
      }
    }
    throw new AssertionError(policy);
  }

  /** Charges {@code credits} every {@code every}, {@code times} times, the first one now. */
  private void steady(ApiBilling b, String client, long credits, Duration every, int times) {
    for (int i = 0; i < times; i++) {
      if (i > 0) {
        clock.advance(every);
      }
      b.trackClientUsage(client, credits);
    }
  }

  @Test
  void steadyUsageIsReportedAtItsRateAndProjectedToRunOutBeforeTheReset() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10_000)));
    steady(billing, "acme", 10, Duration.ofMinutes(1), 361);           // 600 an hour, 00:00 to 06:00

    QuotaState day = billing.status("acme").quotas().get(0);
    QuotaForecast f = day.forecast();
    assertThat(f.horizon()).isEqualTo(Duration.ofMinutes(144));        // 1/10 of the day
    assertThat(f.creditsPer(Duration.ofHours(1))).isCloseTo(600, within(6.0));
    // 3610 used + 600/h for the 18 h left = 14,410; 6,390 left at 600/h last 10.65 h: 16:39
    assertThat(f.projectedUsed()).isBetween(14_300L, 14_520L);
    assertThat(f.exhaustsAt()).isBetween(
        Instant.parse("2026-03-10T16:33:00Z"), Instant.parse("2026-03-10T16:45:00Z"));
    assertThat(events).hasSize(1).first().asString().startsWith("day over at ");
  }

  @Test
  void aSteadyRateIsNeverOverstatedWhileTheWindowIsYoung() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 1_000_000)));
    for (int minutes = 1; minutes <= 300; minutes++) {
      clock.advance(Duration.ofMinutes(1));
      billing.trackClientUsage("acme", 10);
      double perHour = forecast(billing, "acme", "day").creditsPer(Duration.ofHours(1));
      assertThat(perHour).as("after %d minutes", minutes).isLessThanOrEqualTo(600 * 1.01);
      if (minutes >= 144) {
        assertThat(perHour).as("after %d minutes", minutes).isCloseTo(600, within(6.0));
      }
    }
  }

  @Test
  void aBurstWeighsMoreThanTheSameCreditsSpreadOutThenFadesWithinAFewHorizons() {
    billing.updateClientQuotas("burst", List.of(QuotaDefinition.of(DAY, 100_000)));
    billing.updateClientQuotas("even", List.of(QuotaDefinition.of(DAY, 100_000)));
    clock.set(Instant.parse("2026-03-10T00:00:30Z"));
    forecast(billing, "burst", "day");                                   // seen, with nothing used yet
    steady(billing, "even", 10, Duration.ofMinutes(3), 120);            // 1,200 by 05:57:30
    clock.set(Instant.parse("2026-03-10T06:00:00Z"));
    billing.trackClientUsage("burst", 1200);

    double burst = forecast(billing, "burst", "day").creditsPerSecond();
    double even = forecast(billing, "even", "day").creditsPerSecond();
    assertThat(burst).isGreaterThan(2 * even);

    clock.advance(Duration.ofMinutes(3 * 144));                          // three horizons, no usage
    double burstLater = forecast(billing, "burst", "day").creditsPerSecond();
    assertThat(burstLater).isCloseTo(burst * Math.exp(-3), within(burst * 0.01));
    assertThat(burstLater).as("below the pace of the spread-out usage").isLessThan(even / 5);
  }

  @Test
  void anIdleClientProjectsItsUsageAndAQuietStartDoesNotDiluteTheRate() {
    billing.updateClientQuotas("idle", List.of(QuotaDefinition.of(MONTH, 1000)));
    QuotaForecast none = forecast(billing, "idle", "month");
    assertThat(none.creditsPerSecond()).isZero();
    assertThat(none.projectedUsed()).isZero();
    assertThat(none.exhaustion()).isEmpty();

    billing.updateClientQuotas("late", List.of(QuotaDefinition.of(MONTH, 100_000)));
    forecast(billing, "late", "month");                                  // seen on the 10th, quiet since the 1st
    clock.set(Instant.parse("2026-03-20T00:00:00Z"));
    steady(billing, "late", 100, Duration.ofHours(1), 48);              // 100 an hour for two days
    QuotaForecast late = forecast(billing, "late", "month");
    double average = 4800 / (21.0 * 24 - 1);
    assertThat(late.creditsPer(Duration.ofHours(1))).isGreaterThan(4 * average).isLessThan(100);

    assertThat(late.horizon()).isEqualTo(Duration.ofHours(31 * 24 / 10).plusMinutes(24)); // 3.1 days
    clock.advance(late.horizon());                                       // idle for one horizon
    QuotaForecast idle = forecast(billing, "late", "month");
    assertThat(idle.creditsPerSecond()).isCloseTo(late.creditsPerSecond() * Math.exp(-1),
        within(late.creditsPerSecond() * 0.01));
    assertThat(idle.projectedUsed()).isLessThan(late.projectedUsed()).isGreaterThan(4800);
  }

  @Test
  void theRateCarriesOverAWindowChangeWhileTheCountRestarts() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(MINUTE, 100)));
    steady(billing, "acme", 1, Duration.ofSeconds(1), 120);             // 1/s through 00:01:59
    clock.set(Instant.parse("2026-03-10T00:02:00.500Z"));
    billing.trackClientUsage("acme", 1);

    QuotaState minute = billing.status("acme").quotas().get(0);
    assertThat(minute.used()).isEqualTo(1);
    assertThat(minute.windowStart()).isEqualTo(Instant.parse("2026-03-10T00:02:00Z"));
    assertThat(minute.forecast().creditsPerSecond()).isCloseTo(1, within(0.1));
    assertThat(minute.forecast().projectedUsed()).isBetween(55L, 65L);
    assertThat(minute.forecast().exhaustion()).isEmpty();
  }

  @Test
  void theProjectionEventsComeOncePerWindowEachWay() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(MINUTE, 50)));
    steady(billing, "acme", 1, Duration.ofSeconds(1), 20);              // 00:00:00 to 00:00:19
    assertThat(events).hasSize(1).first().asString().startsWith("minute over at ");

    clock.set(Instant.parse("2026-03-10T00:00:40Z"));                   // quiet for 21 s
    billing.status("acme");
    assertThat(events).hasSize(2).last().asString().isEqualTo("minute back at 20 exhausts null");

    steady(billing, "acme", 2, Duration.ofSeconds(1), 10);              // over again: no second event
    assertThat(forecast(billing, "acme", "minute").predictsExhaustion()).isTrue();
    assertThat(events).hasSize(2);

    clock.set(Instant.parse("2026-03-10T00:01:00Z"));                   // the next window
    steady(billing, "acme", 1, Duration.ofSeconds(1), 10);
    assertThat(events).hasSize(3).last().asString().startsWith("minute over at ");
  }

  @Test
  void projectionCrossingsAreCountedInMicrometer() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiBilling metered = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock)
        .metrics(BillingMetrics.monitor(registry)).build();
    metered.updateClientQuotas("acme", List.of(QuotaDefinition.of(MINUTE, 50)));
    steady(metered, "acme", 1, Duration.ofSeconds(1), 20);
    clock.set(Instant.parse("2026-03-10T00:00:40Z"));
    metered.status("acme");
    assertThat(registry.get("apibilling.forecast.crossings").tags("policy", "minute", "direction", "over")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get("apibilling.forecast.crossings").tags("policy", "minute", "direction", "back")
        .counter().count()).isEqualTo(1);
  }

  @Test
  void aPredictiveReserveIsHeldWhileTheProjectionExceedsTheLimitAndOpensWhenItFalls() {
    ApiBilling guarded = billing(ForecastSettings.defaults().predictiveReserve("day", 200));
    guarded.updateClientQuotas("batch", List.of(QuotaDefinition.of(DAY, 1000)));
    long granted = 0;
    BillingDecision denied = null;
    for (int i = 0; i < 100 && denied == null; i++) {
      BillingDecision d = guarded.tryTrackClientUsage("batch", 10);
      if (d.granted()) {
        granted += 10;
      } else {
        denied = d;
      }
      clock.advance(Duration.ofMinutes(1));
    }
    assertThat(granted).isEqualTo(800);
    assertThat(denied).isNotNull();
    assertThat(denied.violated().orElseThrow().policy()).isEqualTo("day");
    assertThat(denied.violated().orElseThrow().remaining()).isEqualTo(200);

    clock.advance(Duration.ofHours(12));                                 // the job stopped: the rate fell
    assertThat(guarded.tryTrackClientUsage("batch", 10).granted()).isTrue();
    assertThat(guarded.status("batch").quotas().get(0).used()).isEqualTo(810);
  }

  @Test
  void withoutAReserveTheSameLoadSpendsTheWholeLimit() {
    billing.updateClientQuotas("batch", List.of(QuotaDefinition.of(DAY, 1000)));
    long granted = 0;
    for (int i = 0; i < 120; i++) {
      granted += billing.tryTrackClientUsage("batch", 10).granted() ? 10 : 0;
      clock.advance(Duration.ofMinutes(1));
    }
    assertThat(granted).isEqualTo(1000);
  }

  @Test
  void forecastsAreDeterministicUnderTheInjectedClock() {
    ApiBilling other = billing(ForecastSettings.defaults());
    for (ApiBilling b : List.of(billing, other)) {
      clock.set(Instant.parse("2026-03-10T00:00:00Z"));
      b.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 5000), QuotaDefinition.of(MINUTE, 60)));
      for (int i = 0; i < 200; i++) {
        clock.advance(Duration.ofSeconds(7 + i % 13));
        b.tryTrackClientUsage("acme", 1 + i % 5);
      }
    }
    assertThat(other.status("acme")).isEqualTo(billing.status("acme"));
  }

  @Test
  void decisionsCarryNoForecastAndForecastsCanBeSwitchedOff() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    assertThat(billing.trackClientUsage("acme", 1).lowest().forecast()).isNull();
    ApiBilling off = billing(ForecastSettings.off());
    off.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    off.trackClientUsage("acme", 1);
    assertThat(off.status("acme").lowest().forecastIfKnown()).isEmpty();
  }

  @Test
  void badForecastSettingsAreRejectedWithAMessage() {
    assertThatThrownBy(() -> ForecastSettings.defaults().horizon(0))
        .hasMessage("forecast horizon must be > 0 and <= 1 but was 0.0");
    assertThatThrownBy(() -> ForecastSettings.defaults().predictiveReserve("day", 0))
        .hasMessage("credits must be > 0 but was 0");
    assertThatThrownBy(() -> ForecastSettings.defaults().maximumClients(-1))
        .hasMessage("forecast maximumClients must be > 0 but was -1");
  }

  @Test
  void aClientsForecastGoesOnAcrossPlanChangesAndItsRemoval() {
    ApiBilling changed = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 50_000))).build();
    ApiBilling kept = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 50_000))).build();
    kept.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 50_000)));
    Instant start = clock.instant();
    // changed: the default plan, then quotas of its own twice (a new limit, same window), then the default
    steady(changed, "acme", 10, Duration.ofMinutes(1), 60);
    changed.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 40_000)));
    clock.advance(Duration.ofMinutes(1));
    steady(changed, "acme", 30, Duration.ofMinutes(1), 60);
    changed.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 50_000)));
    clock.advance(Duration.ofMinutes(1));
    steady(changed, "acme", 20, Duration.ofMinutes(1), 60);
    assertThat(changed.removeClient("acme")).isTrue();
    clock.advance(Duration.ofMinutes(1));
    steady(changed, "acme", 5, Duration.ofMinutes(1), 60);
    QuotaForecast after = forecast(changed, "acme", "day");
    // kept: the same charges at the same instants under one plan all along
    clock.set(start);
    steady(kept, "acme", 10, Duration.ofMinutes(1), 60);
    for (long credits : new long[] {30, 20, 5}) {
      clock.advance(Duration.ofMinutes(1));
      steady(kept, "acme", credits, Duration.ofMinutes(1), 60);
    }
    QuotaForecast expected = forecast(kept, "acme", "day");
    assertThat(after.creditsPerSecond()).isCloseTo(expected.creditsPerSecond(), within(1e-9));
    assertThat(after.projectedUsed()).isEqualTo(expected.projectedUsed());
  }
}
