package dev.apibilling;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.HOUR;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class ApiBillingTest {

  private final MutableClock clock = MutableClock.at("2026-01-31T09:00:00Z");
  private final InMemoryUsageStore store = InMemoryUsageStore.create();
  private final ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();

  @Test
  void leasesAndUsageEventsAreRefusedTogether() {
    ApiBilling.Builder both = ApiBilling.builder().leases(LeaseSettings.defaults()).usageEvents(true);

    assertThatThrownBy(both::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("leases and usageEvents cannot be combined");
  }

  @Test
  void monthlyQuotaStartedOnJanuary31RenewsOnFebruary28ThenMarch31() {
    billing.updateClientQuotas("acme", List.of(
        QuotaDefinition.of(MONTH, 10).anchoredAt(LocalDate.of(2026, 1, 31))));
    billing.trackClientUsage("acme", 10);
    clock.set(Instant.parse("2026-02-27T23:59:59Z"));
    assertThat(billing.tryTrackClientUsage("acme", 1).granted()).isFalse();
    clock.set(Instant.parse("2026-02-28T00:00:00Z"));
    assertThat(billing.trackClientUsage("acme", 10).lowest().resetAt())
        .isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
    clock.set(Instant.parse("2026-03-31T00:00:00Z"));
    assertThat(billing.trackClientUsage("acme", 1).lowest().windowStart())
        .isEqualTo(Instant.parse("2026-03-31T00:00:00Z"));
  }

  @Test
  void unknownClientIsADistinctExceptionAndAllocatesNoState() {
    List<String> unknown = new ArrayList<>();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .listener(new BillingListener() {
          @Override
          public void onUnknownClient(String clientId) {
            unknown.add(clientId);
          }
        })
        .build();
    assertThatThrownBy(() -> b.trackClientUsage("nobody", 1))
        .isInstanceOf(UnknownClientException.class)
        .hasMessageContaining("nobody");
    assertThatThrownBy(() -> b.status("nobody")).isInstanceOf(UnknownClientException.class);
    assertThat(unknown).containsExactly("nobody", "nobody");
    assertThat(store.clientCount()).isZero();
  }

  @Test
  void defaultPlanAppliesToClientsWithoutQuotas() {
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 2)))
        .build();
    b.trackClientUsage("walk-in-1", 2);
    assertThat(b.tryTrackClientUsage("walk-in-1", 1).granted()).isFalse();
    assertThat(b.tryTrackClientUsage("walk-in-2", 1).granted()).isTrue();
  }

  @Test
  void quotaSourceIsAskedOnceAndItsAnswersCached() {
    AtomicInteger lookups = new AtomicInteger();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .quotaSource(id -> {
          lookups.incrementAndGet();
          return id.startsWith("db-") ? Optional.of(List.of(QuotaDefinition.of(DAY, 5))) : Optional.empty();
        })
        .build();
    b.trackClientUsage("db-1", 1);
    b.trackClientUsage("db-1", 1);
    assertThatThrownBy(() -> b.trackClientUsage("stranger", 1)).isInstanceOf(UnknownClientException.class);
    assertThatThrownBy(() -> b.trackClientUsage("stranger", 1)).isInstanceOf(UnknownClientException.class);
    assertThat(lookups).hasValue(2);
    b.updateClientQuotas("db-1", List.of(QuotaDefinition.of(DAY, 100)));
    assertThat(b.trackClientUsage("db-1", 50).lowest().limit()).isEqualTo(100);
  }

  @Test
  void removedClientIsUnknownButItsHistoryStays() {
    billing.updateClientQuotas("gone", List.of(QuotaDefinition.of(DAY, 5)));
    billing.trackClientUsage("gone", 3);
    assertThat(billing.removeClient("gone")).isTrue();
    assertThat(billing.removeClient("gone")).isFalse();
    assertThatThrownBy(() -> billing.trackClientUsage("gone", 1)).isInstanceOf(UnknownClientException.class);
    assertThat(billing.usageHistory("gone", LocalDate.of(2026, 1, 31), LocalDate.of(2026, 1, 31)))
        .containsExactly(new DailyUsage(LocalDate.of(2026, 1, 31), 3));
  }

  @Test
  void quotaExceptionNamesTheViolatedQuotaAndWhenToRetry() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 500), QuotaDefinition.of(MONTH, 600)));
    billing.trackClientUsage("acme", 498);
    QuotaException e = org.junit.jupiter.api.Assertions.assertThrows(QuotaException.class,
        () -> billing.trackClientUsage("acme", 5));
    assertThat(e.clientId()).isEqualTo("acme");
    assertThat(e.policy()).isEqualTo("day");
    assertThat(e.limit()).isEqualTo(500);
    assertThat(e.remaining()).isEqualTo(2);
    assertThat(e.requested()).isEqualTo(5);
    assertThat(e.resetAt()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
    assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(15));
    assertThat(e.getMessage()).isEqualTo("quota 'day' of client 'acme' exceeded: requested 5 credits, 2 of"
        + " 500 remaining until 2026-02-01T00:00:00Z (retry after 54000 s)");
  }

  @Test
  void whenSeveralQuotasBlockTheOneResettingLastIsReported() {
    clock.set(Instant.parse("2026-01-15T09:00:00Z"));
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 10)));
    billing.trackClientUsage("acme", 10);
    BillingDecision d = billing.tryTrackClientUsage("acme", 1);
    assertThat(d.violated()).map(QuotaState::policy).contains("month");
    assertThat(d.retryAfter()).isEqualTo(Duration.between(clock.instant(), Instant.parse("2026-02-01T00:00:00Z")));
  }

  @Test
  void lowestQuotaIsFewestRemainingWithTiesToTheShorterWindow() {
    billing.updateClientQuotas("acme", List.of(
        QuotaDefinition.of(MONTH, 100), QuotaDefinition.of(HOUR, 100), QuotaDefinition.unlimited(DAY)));
    assertThat(billing.status("acme").lowest().policy()).isEqualTo("hour");
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(MONTH, 50), QuotaDefinition.of(HOUR, 100)));
    assertThat(billing.status("acme").lowest().policy()).isEqualTo("month");
  }

  @Test
  void changingAQuotasZoneStartsAFreshWindow() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    billing.trackClientUsage("acme", 10);
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10).inZone(ZoneId.of("Asia/Tokyo"))));
    BillingDecision d = billing.trackClientUsage("acme", 4);
    assertThat(d.lowest().used()).isEqualTo(4);
    assertThat(d.lowest().windowStart()).isEqualTo(Instant.parse("2026-01-30T15:00:00Z"));
  }

  @Test
  void dailyHistoryCountsDaysOfTheHistoryZone() {
    ApiBilling tokyo = ApiBilling.builder().store(store).clock(clock)
        .historyZone(ZoneId.of("Asia/Tokyo")).build();
    tokyo.updateClientQuotas("jp", List.of(QuotaDefinition.unlimited(MONTH)));
    clock.set(Instant.parse("2026-03-01T14:59:00Z"));
    tokyo.trackClientUsage("jp", 1);
    clock.set(Instant.parse("2026-03-01T15:00:00Z"));
    tokyo.trackClientUsage("jp", 2);
    assertThat(tokyo.usageHistory("jp", LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 2))).containsExactly(
        new DailyUsage(LocalDate.of(2026, 3, 1), 1), new DailyUsage(LocalDate.of(2026, 3, 2), 2));
  }

  @Test
  void thresholdCrossingsAreReportedOnce() {
    List<String> crossed = new ArrayList<>();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .listener(new BillingListener() {
          @Override
          public void onThresholdCrossed(String clientId, QuotaState quota, double fraction) {
            crossed.add(quota.policy() + "@" + fraction);
          }
        })
        .build();
    b.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10), QuotaDefinition.unlimited(MONTH)));
    b.trackClientUsage("acme", 7);
    assertThat(crossed).isEmpty();
    b.trackClientUsage("acme", 1);
    b.trackClientUsage("acme", 1);
    assertThat(crossed).containsExactly("day@0.8");
    b.trackClientUsage("acme", 1);
    assertThat(crossed).containsExactly("day@0.8", "day@1.0");
    b.tryTrackClientUsage("acme", 1);
    assertThat(crossed).hasSize(2);
  }

  @Test
  void listenersSeeTheChargesMetadata() {
    List<Map<String, String>> seen = new ArrayList<>();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .listener(new BillingListener() {
          @Override
          public void onDecision(BillingDecision decision) {
            seen.add(decision.metadata());
          }
        })
        .build();
    b.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    b.tryCharge(Charge.of("acme", 2).with("route", "POST /reports").with("workflow", "wf-9"));
    assertThat(seen).containsExactly(Map.of("route", "POST /reports", "workflow", "wf-9"));
  }

  @Test
  void listenerThatThrowsDoesNotBreakBilling() {
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .listener(new BillingListener() {
          @Override
          public void onDecision(BillingDecision decision) {
            throw new IllegalStateException("boom");
          }
        })
        .build();
    b.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    assertThat(b.trackClientUsage("acme", 1).granted()).isTrue();
  }

  @Test
  void metricsCountDecisionsCreditsAndStoreCallsWithoutClientTags() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiBilling b = ApiBilling.builder().store(store).clock(clock).metrics(BillingMetrics.monitor(registry)).build();
    b.updateClientQuotas("acme", List.of(QuotaDefinition.of(MINUTE, 5)));
    b.trackClientUsage("acme", 3);
    b.tryTrackClientUsage("acme", 3);
    assertThatThrownBy(() -> b.trackClientUsage("nobody", 1)).isInstanceOf(UnknownClientException.class);
    assertThat(registry.get("apibilling.decisions").tags("outcome", "granted", "policy", "none").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("apibilling.decisions").tags("outcome", "denied", "policy", "minute").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("apibilling.credits").tags("outcome", "granted").counter().count()).isEqualTo(3);
    assertThat(registry.get("apibilling.unknown.clients").counter().count()).isEqualTo(1);
    assertThat(registry.get("apibilling.store.calls").tags("operation", "charge").timer().count()).isEqualTo(2);
    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("client")).isNull());
  }

  @Test
  void storeFailuresPropagateAsUsageStoreExceptionAndAreTimedAsFailures() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiBilling b = ApiBilling.builder().clock(clock).metrics(BillingMetrics.monitor(registry))
        .store(new dev.apibilling.tck.SwitchableStore(store).fail(true)).build();
    b.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    assertThatThrownBy(() -> b.trackClientUsage("acme", 1)).isInstanceOf(UsageStoreException.class);
    assertThat(registry.get("apibilling.store.calls").tags("outcome", "failure").timer().count()).isEqualTo(1);
  }

  @Test
  void actualCostOfAReservationMustNotExceedWhatWasReserved() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    Reservation r = billing.reserve(Charge.of("acme", 3)).reservation().orElseThrow();
    assertThatThrownBy(() -> billing.commit(r, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actual credits must be >= 0 and <= the 3 reserved but was 4");
    assertThatThrownBy(() -> billing.commit(r, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(billing.status("acme").lowest().used()).isEqualTo(3);
  }

  @Test
  void reservationIdsAre32HexDigitsAndDistinct() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10_000)));
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = billing.reserve(Charge.of("acme", 1)).reservation().orElseThrow().id();
      assertThat(id).matches("[89a-f][0-9a-f]{15}[89a-f][0-9a-f]{15}");
      ids.add(id);
    }
    assertThat(ids).hasSize(1000);
  }

  @Test
  void invalidMetadataIsNamedByEntry() {
    assertThatThrownBy(() -> Requirements.metadata(Map.of("route", "GET /a\u0000")))
        .hasMessage("metadata value of 'route' must be 1 to 256 characters without control characters but was "
            + "'GET /a\\u0000'");
    assertThatThrownBy(() -> Requirements.metadata(Map.of("", "x")))
        .hasMessageStartingWith("metadata key must be 1 to 256 characters");
    assertThat(Requirements.metadata(Map.of("route", "GET /a"))).isEqualTo(Map.of("route", "GET /a"));
  }

  @Test
  void badInputIsRejectedWithAClearMessageAndChangesNothing() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 10)));
    assertThatThrownBy(() -> billing.trackClientUsage("acme", 0)).hasMessage("credits must be > 0 but was 0");
    assertThatThrownBy(() -> billing.trackClientUsage("acme", -3)).hasMessage("credits must be > 0 but was -3");
    assertThatThrownBy(() -> billing.trackClientUsage("acme", Long.MAX_VALUE))
        .hasMessage("credits must be <= 9007199254740991 but was 9223372036854775807");
    assertThatThrownBy(() -> billing.trackClientUsage(" ", 1))
        .hasMessage("clientId must not be blank but was ' '");
    assertThatThrownBy(() -> billing.trackClientUsage("x".repeat(257), 1))
        .hasMessage("clientId must be at most 256 characters but was 257");
    assertThatThrownBy(() -> billing.trackClientUsage("a\nb", 1))
        .hasMessage("clientId must not contain control characters");
    assertThatThrownBy(() -> billing.tryCharge(Charge.of("acme", 1).idempotencyKey("has space")))
        .hasMessageStartingWith("idempotency key must be visible ASCII");
    assertThatThrownBy(() -> billing.tryCharge(Charge.of("acme", 1).idempotencyKey("k".repeat(256))))
        .hasMessage("idempotency key must be 1 to 255 characters but was 256");
    assertThatThrownBy(() -> billing.usageHistory("acme", LocalDate.of(2026, 2, 1), LocalDate.of(2026, 1, 1)))
        .hasMessage("from must be <= to but was 2026-02-01 > 2026-01-01");
    assertThat(billing.status("acme").lowest().used()).isZero();
  }

  @Test
  void operationHistoryIsValidatedAndAStoreWithoutOneSaysSo() {
    LocalDate day = LocalDate.of(2026, 1, 31);
    assertThatThrownBy(() -> billing.usageHistory("acme", "bad name", day, day))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("operation must be 1 to 64 of [A-Za-z0-9_.-]");
    assertThatThrownBy(() -> billing.usageHistory("acme", "report", day, day.minusDays(1)))
        .hasMessage("from must be <= to but was 2026-01-31 > 2026-01-30");
    UsageStore old = new UsageStore() {
      @Override
      public ChargeResult charge(ChargeRequest request) {
        return store.charge(request);
      }

      @Override
      public boolean settle(SettleRequest request) {
        return store.settle(request);
      }

      @Override
      public long[] usage(String clientId, List<WindowSlot> windows, long now) {
        return store.usage(clientId, windows, now);
      }

      @Override
      public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
        return store.history(clientId, fromEpochDay, toEpochDay);
      }

      @Override
      public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
        return store.deleteHistory(clientId, fromEpochDay, toEpochDay);
      }
    };
    ApiBilling overOld = ApiBilling.builder().store(old).clock(clock).build();

    assertThatThrownBy(() -> overOld.usageHistory("acme", "report", day, day))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("keeps no daily totals per operation");
  }

  @Test
  void creditsFromFloatingPointFiguresMustBeWholeAndFinite() {
    assertThat(Requirements.credits(12.0)).isEqualTo(12);
    assertThatThrownBy(() -> Requirements.credits(Double.NaN)).hasMessage("credits must be a finite number but was NaN");
    assertThatThrownBy(() -> Requirements.credits(Double.POSITIVE_INFINITY))
        .hasMessage("credits must be a finite number but was Infinity");
    assertThatThrownBy(() -> Requirements.credits(1.5)).hasMessage("credits must be a whole number but was 1.5");
    assertThatThrownBy(() -> Requirements.credits(1e300)).hasMessageStartingWith("credits must be > 0 and <=");
  }

  @Test
  void quotaDefinitionsAreValidatedOnCreation() {
    assertThatThrownBy(() -> QuotaDefinition.of(DAY, -5))
        .hasMessage("limit must be >= 0 and <= 9007199254740991 (or UNLIMITED) but was -5");
    assertThatThrownBy(() -> QuotaDefinition.of(DAY, 5).named("bad name"))
        .hasMessageStartingWith("policy must be 1 to 64 of [A-Za-z0-9_.-]");
    assertThatThrownBy(() -> billing.updateClientQuotas("acme", List.of()))
        .hasMessageStartingWith("quotas must not be empty");
    assertThatThrownBy(() -> billing.updateClientQuotas("acme",
            List.of(QuotaDefinition.of(DAY, 5), QuotaDefinition.of(DAY, 50))))
        .hasMessage("policy names must be unique per client but 'day' appears twice");
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 5), QuotaDefinition.of(DAY, 50).named("day-burst")));
    assertThat(billing.clientQuotas("acme")).map(List::size).contains(2);
    assertThatThrownBy(() -> ApiBilling.builder().idempotencyTtl(Duration.ZERO))
        .hasMessage("idempotencyTtl must be > 0 but was PT0S");
  }

  @Test
  void metadataIsLimited() {
    Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i < 17; i++) {
      many.put("k" + i, "v");
    }
    assertThatThrownBy(() -> new Charge("acme", 1, null, many))
        .hasMessage("metadata must have at most 16 entries but had 17");
    assertThatThrownBy(() -> Charge.of("acme", 1).with("route", "a\r\nSet-Cookie: x"))
        .hasMessageStartingWith("metadata value of 'route' must be 1 to 256 characters without control characters");
  }

  @Test
  void decisionsCarryWhatHeadersNeed() {
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 500), QuotaDefinition.of(MONTH, 10_000)));
    BillingDecision d = billing.trackClientUsage("acme", 463);
    QuotaState day = d.lowest();
    assertThat(day.policy()).isEqualTo("day");
    assertThat(day.remaining()).isEqualTo(37);
    assertThat(day.windowSeconds()).isEqualTo(86_400);
    assertThat(day.resetAfter(d.at())).isEqualTo(Duration.ofHours(15));
    assertThat(d.quotas().get(1).windowSeconds()).isEqualTo(31 * 86_400);
    assertThat(d.at()).isEqualTo(clock.instant());
  }
}
