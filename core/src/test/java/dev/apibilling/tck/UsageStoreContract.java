package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.HOUR;
import static dev.apibilling.QuotaDuration.MINUTE;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.ClientStatus;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.Requirements;
import dev.apibilling.Reservation;
import dev.apibilling.spi.UsageStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link UsageStore} passes. A store's test extends this class and implements
 * {@link #newStore()}; every test drives the store through {@link ApiBilling} with a {@link MutableClock},
 * on a client id of its own, so tests may share a real server and run against data left by earlier runs.
 */
public abstract class UsageStoreContract {

  /** The instant every test starts at: a Tuesday, 10:15:30 UTC. */
  protected static final Instant START = Instant.parse("2026-03-10T10:15:30Z");

  protected final MutableClock clock = new MutableClock(START);
  private final List<UsageStore> stores = new ArrayList<>();
  private final List<ApiBilling> billings = new ArrayList<>();
  protected UsageStore store;
  protected ApiBilling billing;
  protected String client;

  /**
   * A store object over the backend under test. Every call must return an object that shares data with
   * the others (for a remote store, a new object with its own connection), as two application
   * instances would.
   */
  protected abstract UsageStore newStore();

  @BeforeEach
  void openStore() {
    store = track(newStore());
    billing = billing(store, b -> {});
    client = "tck-" + UUID.randomUUID();
  }

  @AfterEach
  void closeStores() {
    billings.forEach(ApiBilling::close);
    stores.forEach(UsageStore::close);
  }

  /**
   * Drops what the store's own housekeeping would drop as expired at {@code now} (a sweep, a purge); by
   * default nothing. Stores whose expiry runs by itself on the server's clock (Redis) leave it out.
   */
  protected void dropExpired(Instant now) {}

  /** A billing over {@code store} with this test's clock. */
  protected ApiBilling billing(UsageStore store, java.util.function.Consumer<ApiBilling.Builder> settings) {
    ApiBilling.Builder b = ApiBilling.builder().store(store).clock(clock);
    settings.accept(b);
    ApiBilling built = b.build();
    billings.add(built);
    return built;
  }

  private UsageStore track(UsageStore s) {
    stores.add(s);
    return s;
  }

  private void plan(ApiBilling b, QuotaDefinition... quotas) {
    b.updateClientQuotas(client, List.of(quotas));
  }

  private long used(ApiBilling b, String policy) {
    return b.status(client).quotas().stream()
        .filter(q -> q.policy().equals(policy))
        .findFirst()
        .orElseThrow()
        .used();
  }

  // ---- limits ---------------------------------------------------------------------------------

  @Test
  void grantsUntilTheLimitThenDenies() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    for (int i = 0; i < 10; i++) {
      assertThat(billing.tryTrackClientUsage(client, 1).granted()).isTrue();
    }
    BillingDecision denied = billing.tryTrackClientUsage(client, 1);
    assertThat(denied.granted()).isFalse();
    assertThat(denied.violated()).map(QuotaState::policy).contains("day");
    assertThat(denied.lowest().remaining()).isZero();
    assertThat(used(billing, "day")).isEqualTo(10);
  }

  @Test
  void grantedDecisionReportsEveryQuotaAfterTheCharge() {
    plan(billing, QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 1000));
    BillingDecision d = billing.trackClientUsage(client, 7);
    assertThat(d.quotas()).extracting(QuotaState::used).containsExactly(7L, 7L);
    assertThat(d.quotas()).extracting(QuotaState::remaining).containsExactly(93L, 993L);
    assertThat(d.lowest().policy()).isEqualTo("day");
    assertThat(d.retryAfter()).isZero();
  }

  @Test
  void deniedChargeDeductsFromNoQuota() {
    plan(billing, QuotaDefinition.of(DAY, 100), QuotaDefinition.of(MONTH, 10));
    billing.trackClientUsage(client, 10);
    BillingDecision denied = billing.tryTrackClientUsage(client, 1);
    assertThat(denied.granted()).isFalse();
    assertThat(denied.violated()).map(QuotaState::policy).contains("month");
    assertThat(used(billing, "day")).isEqualTo(10);
    assertThat(used(billing, "month")).isEqualTo(10);
  }

  @Test
  void requestLargerThanWhatRemainsIsDeniedWhole() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    billing.trackClientUsage(client, 8);
    assertThat(billing.tryTrackClientUsage(client, 5).granted()).isFalse();
    assertThat(used(billing, "day")).isEqualTo(8);
    assertThat(billing.tryTrackClientUsage(client, 2).granted()).isTrue();
    assertThat(used(billing, "day")).isEqualTo(10);
  }

  @Test
  void checkDeductsNothing() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    billing.trackClientUsage(client, 4);
    assertThat(billing.check(client, 6).granted()).isTrue();
    assertThat(billing.check(client, 7).granted()).isFalse();
    assertThat(used(billing, "day")).isEqualTo(4);
  }

  @Test
  void usageOfAPastWindowDoesNotCountInTheNextOne() {
    plan(billing, QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MINUTE, 5));
    billing.trackClientUsage(client, 5);
    assertThat(billing.tryTrackClientUsage(client, 1).violated()).map(QuotaState::policy).contains("minute");
    clock.advance(Duration.ofMinutes(1));
    billing.trackClientUsage(client, 5);
    assertThat(billing.tryTrackClientUsage(client, 1).violated()).map(QuotaState::policy).contains("day");
    clock.advance(Duration.ofDays(1));
    assertThat(billing.trackClientUsage(client, 5).quotas()).extracting(QuotaState::used)
        .containsExactly(5L, 5L);
  }

  @Test
  void unlimitedQuotaNeverBlocksButCountsUsage() {
    plan(billing, QuotaDefinition.unlimited(MONTH));
    for (int i = 0; i < 5; i++) {
      billing.trackClientUsage(client, 1_000_000_000L);
    }
    QuotaState month = billing.status(client).lowest();
    assertThat(month.unlimited()).isTrue();
    assertThat(month.used()).isEqualTo(5_000_000_000L);
  }

  @Test
  void zeroLimitBlocksEverything() {
    plan(billing, QuotaDefinition.of(DAY, 0), QuotaDefinition.unlimited(MONTH));
    BillingDecision d = billing.tryTrackClientUsage(client, 1);
    assertThat(d.granted()).isFalse();
    assertThat(d.violated()).map(QuotaState::policy).contains("day");
    assertThat(used(billing, "month")).isZero();
  }

  @Test
  void changingALimitKeepsTheWindowsUsage() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    billing.trackClientUsage(client, 10);
    plan(billing, QuotaDefinition.of(DAY, 15));
    assertThat(billing.tryTrackClientUsage(client, 6).granted()).isFalse();
    assertThat(billing.tryTrackClientUsage(client, 5).granted()).isTrue();
    assertThat(used(billing, "day")).isEqualTo(15);
  }

  @Test
  void largeCreditsAreExact() {
    long limit = (1L << 53) - 1;
    plan(billing, QuotaDefinition.of(MONTH, limit));
    billing.trackClientUsage(client, limit - 1);
    assertThat(billing.tryTrackClientUsage(client, 2).granted()).isFalse();
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isTrue();
    assertThat(used(billing, "month")).isEqualTo(limit);
  }

  /** On Feb 28, 2027, a month of 10 anchored on Jan 28 (the window [Feb 28, Mar 28)) is spent. */
  private QuotaDefinition monthAnchoredOnThe28thSpentOnFeb28() {
    clock.set(Instant.parse("2027-02-28T12:00:00Z"));
    QuotaDefinition month = QuotaDefinition.of(MONTH, 10).anchoredAt(LocalDate.of(2027, 1, 28));
    plan(billing, month);
    billing.trackClientUsage(client, 10);
    return month;
  }

  @Test
  void reanchoredMonthKeepsItsUsageUntilTheNewWindowEnds() {
    QuotaDefinition month = monthAnchoredOnThe28thSpentOnFeb28();
    plan(billing, month.anchoredAt(LocalDate.of(2027, 1, 31)));
    clock.set(Instant.parse("2027-03-29T12:00:00Z"));
    dropExpired(clock.instant());
    assertThat(used(billing, "month")).isEqualTo(10);
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isFalse();
    clock.set(Instant.parse("2027-03-31T00:00:00Z"));
    assertThat(billing.tryTrackClientUsage(client, 10).granted()).isTrue();
  }

  @Test
  void quotaLengthenedUnderItsNameKeepsItsUsageUntilTheLongerWindowEnds() {
    clock.set(Instant.parse("2027-05-04T10:00:30Z"));
    plan(billing, QuotaDefinition.of(MINUTE, 5).named("burst"));
    billing.trackClientUsage(client, 5);
    plan(billing, QuotaDefinition.of(HOUR, 5).named("burst"));
    clock.set(Instant.parse("2027-05-04T10:30:00Z"));
    dropExpired(clock.instant());
    assertThat(used(billing, "burst")).isEqualTo(5);
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isFalse();
  }

  @Test
  void windowKeptByDeniedChargesAloneOutlivesItsFirstEnd() {
    QuotaDefinition month = monthAnchoredOnThe28thSpentOnFeb28();
    ApiBilling other = billing(track(newStore()), b -> {});
    plan(other, month.anchoredAt(LocalDate.of(2027, 1, 31)));
    assertThat(other.tryTrackClientUsage(client, 1).granted()).isFalse();
    clock.set(Instant.parse("2027-03-30T00:00:00Z"));
    dropExpired(clock.instant());
    assertThat(other.tryTrackClientUsage(client, 1).granted()).isFalse();
    assertThat(used(other, "month")).isEqualTo(10);
  }

  @Test
  void unlimitedCountsSaturateAtTheMaximumInsteadOfWrapping() {
    long max = Requirements.MAX_CREDITS;
    plan(billing, QuotaDefinition.unlimited(MONTH), QuotaDefinition.unlimited(DAY));
    for (int i = 0; i < 3; i++) {
      assertThat(billing.trackClientUsage(client, max).quotas()).extracting(QuotaState::used)
          .containsExactly(max, max);
    }
    billing.trackClientUsage(client, 1);
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(max, max);
    LocalDate today = LocalDate.of(2026, 3, 10);
    assertThat(billing.usageHistory(client, today, today)).containsExactly(new DailyUsage(today, max));
  }

  @Test
  void callerThatReadTheClockJustBeforeAWindowEndStillFindsItsCountAfterAnotherCallerPassedTheEnd() {
    MutableClock later = new MutableClock(START.plusSeconds(31));          // 10:16:01, the next minute
    ApiBilling ahead = billing(track(newStore()), b -> b.clock(later));
    plan(billing, QuotaDefinition.of(MINUTE, 10));
    plan(ahead, QuotaDefinition.of(MINUTE, 10));
    clock.set(START.plusSeconds(29));                                     // 10:15:59
    assertThat(billing.tryTrackClientUsage(client, 10).granted()).isTrue();

    assertThat(ahead.tryTrackClientUsage(client, 1).granted()).as("the next minute").isTrue();

    assertThat(billing.tryTrackClientUsage(client, 1).granted())
        .as("10:15:59 is still in the spent minute, though a charge of 10:16:01 came first").isFalse();
    assertThat(used(billing, "minute")).isEqualTo(10);
  }

  // ---- idempotency ----------------------------------------------------------------------------

  @Test
  void replayAfterThePlanShrankOrGrewReportsTheCurrentQuotas() {
    plan(billing, QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 100));
    Charge charge = Charge.of(client, 3).idempotencyKey("k");
    assertThat(billing.tryCharge(charge).granted()).isTrue();
    billing.trackClientUsage(client, 2);
    plan(billing, QuotaDefinition.of(DAY, 10));
    BillingDecision shrunk = billing.tryCharge(charge);
    assertThat(shrunk.replayed()).isTrue();
    assertThat(shrunk.quotas()).extracting(QuotaState::policy).containsExactly("day");
    assertThat(shrunk.quotas()).extracting(QuotaState::used).containsExactly(5L);
    plan(billing, QuotaDefinition.of(MONTH, 100), QuotaDefinition.of(HOUR, 7), QuotaDefinition.of(DAY, 10));
    BillingDecision grown = billing.tryCharge(Charge.of(client, 4).idempotencyKey("k"));
    assertThat(grown.replayed()).isTrue();
    assertThat(grown.quotas()).extracting(QuotaState::used).containsExactly(5L, 0L, 5L);
    assertThat(used(billing, "day")).isEqualTo(5);
  }


  @Test
  void retryWithTheSameIdempotencyKeyIsChargedOnce() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Charge charge = Charge.of(client, 3).idempotencyKey("req-1");
    BillingDecision first = billing.tryCharge(charge);
    BillingDecision retry = billing.tryCharge(charge);
    assertThat(first.granted()).isTrue();
    assertThat(first.replayed()).isFalse();
    assertThat(retry.granted()).isTrue();
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.lowest().used()).isEqualTo(3);
    assertThat(used(billing, "day")).isEqualTo(3);
    billing.tryCharge(Charge.of(client, 3).idempotencyKey("req-2"));
    assertThat(used(billing, "day")).isEqualTo(6);
  }

  @Test
  void deniedOutcomeIsNotRecordedUnderItsKey() {
    plan(billing, QuotaDefinition.of(MINUTE, 5));
    billing.trackClientUsage(client, 5);
    Charge charge = Charge.of(client, 2).idempotencyKey("retry-me");
    assertThat(billing.tryCharge(charge).granted()).isFalse();
    clock.advance(Duration.ofMinutes(1));
    BillingDecision later = billing.tryCharge(charge);
    assertThat(later.granted()).isTrue();
    assertThat(later.replayed()).isFalse();
    assertThat(used(billing, "minute")).isEqualTo(2);
  }

  @Test
  void idempotencyKeyIsForgottenAfterItsTtl() {
    ApiBilling shortTtl = billing(store, b -> b.idempotencyTtl(Duration.ofMinutes(10)));
    plan(shortTtl, QuotaDefinition.of(DAY, 100));
    Charge charge = Charge.of(client, 1).idempotencyKey("k");
    shortTtl.tryCharge(charge);
    clock.advance(Duration.ofMinutes(9));
    assertThat(shortTtl.tryCharge(charge).replayed()).isTrue();
    clock.advance(Duration.ofMinutes(2));
    assertThat(shortTtl.tryCharge(charge).replayed()).isFalse();
    assertThat(used(shortTtl, "day")).isEqualTo(2);
  }

  @Test
  void idempotencyKeysAreScopedToTheClient() {
    String other = client + "-other";
    plan(billing, QuotaDefinition.of(DAY, 10));
    billing.updateClientQuotas(other, List.of(QuotaDefinition.of(DAY, 10)));
    billing.tryCharge(Charge.of(client, 1).idempotencyKey("same"));
    BillingDecision d = billing.tryCharge(Charge.of(other, 1).idempotencyKey("same"));
    assertThat(d.replayed()).isFalse();
    assertThat(billing.status(other).lowest().used()).isEqualTo(1);
  }

  // ---- reservations ---------------------------------------------------------------------------

  @Test
  void committedReservationKeepsOnlyTheActualCost() {
    plan(billing, QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 100));
    Reservation r = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
    assertThat(used(billing, "day")).isEqualTo(5);
    assertThat(billing.commit(r, 2)).isTrue();
    assertThat(used(billing, "day")).isEqualTo(2);
    assertThat(used(billing, "month")).isEqualTo(2);
    assertThat(billing.usageHistory(client, LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10)))
        .containsExactly(new DailyUsage(LocalDate.of(2026, 3, 10), 2));
  }

  @Test
  void releasedReservationGivesEverythingBack() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Reservation r = billing.reserve(Charge.of(client, 10)).reservation().orElseThrow();
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isFalse();
    assertThat(billing.release(r)).isTrue();
    assertThat(used(billing, "day")).isZero();
    assertThat(billing.release(r)).isFalse();
    assertThat(billing.commit(r, 10)).isFalse();
    assertThat(used(billing, "day")).isZero();
  }

  @Test
  void deniedReservationHoldsNothing() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    billing.trackClientUsage(client, 8);
    BillingDecision d = billing.reserve(Charge.of(client, 3));
    assertThat(d.granted()).isFalse();
    assertThat(d.reservation()).isEmpty();
    assertThat(used(billing, "day")).isEqualTo(8);
  }

  @Test
  void unsettledReservationIsReleasedAfterItsTtl() {
    ApiBilling b = billing(store, s -> s.reservationTtl(Duration.ofMinutes(5)));
    plan(b, QuotaDefinition.of(DAY, 10));
    Reservation r = b.reserve(Charge.of(client, 10)).reservation().orElseThrow();
    clock.advance(Duration.ofMinutes(4));
    assertThat(b.tryTrackClientUsage(client, 1).granted()).isFalse();
    clock.advance(Duration.ofMinutes(2));
    assertThat(b.tryTrackClientUsage(client, 10).granted()).isTrue();
    assertThat(b.commit(r, 10)).isFalse();
    assertThat(used(b, "day")).isEqualTo(10);
  }

  @Test
  void plainChargeAfterAReservationExpiredCountsWithoutItButKeepsASettledOne() {
    ApiBilling b = billing(store, s -> s.reservationTtl(Duration.ofMinutes(5)));
    plan(b, QuotaDefinition.of(DAY, 100));
    Reservation settled = b.reserve(Charge.of(client, 4)).reservation().orElseThrow();
    assertThat(b.commit(settled, 4)).isTrue();
    b.reserve(Charge.of(client, 7)).reservation().orElseThrow();
    clock.advance(Duration.ofMinutes(6));
    assertThat(b.tryTrackClientUsage(client, 1).lowest().used()).isEqualTo(5);
    assertThat(used(b, "day")).isEqualTo(5);
  }

  @Test
  void reservationSettledAfterItsWindowEndedGivesBackOnlyToWindowsStillOpen() {
    ApiBilling b = billing(store, s -> s.reservationTtl(Duration.ofDays(2)));
    plan(b, QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 100));
    Reservation r = b.reserve(Charge.of(client, 6)).reservation().orElseThrow();
    clock.advance(Duration.ofDays(1));
    b.trackClientUsage(client, 1);
    assertThat(b.release(r)).isTrue();
    assertThat(used(b, "day")).isEqualTo(1);
    assertThat(used(b, "month")).isEqualTo(1);
  }

  @Test
  void reservationRetriedWithTheSameKeyReturnsTheFirstReservation() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Charge charge = Charge.of(client, 4).idempotencyKey("upload-7");
    Reservation first = billing.reserve(charge).reservation().orElseThrow();
    BillingDecision retry = billing.reserve(charge);
    assertThat(retry.replayed()).isTrue();
    assertThat(retry.reservation()).map(Reservation::id).contains(first.id());
    assertThat(used(billing, "day")).isEqualTo(4);
    assertThat(billing.commit(first, 4)).isTrue();
    assertThat(used(billing, "day")).isEqualTo(4);
  }

  @Test
  void replayedReservationReportsWhatTheStoreHolds() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Reservation first = billing.reserve(Charge.of(client, 5).idempotencyKey("r")).reservation().orElseThrow();
    clock.advance(Duration.ofSeconds(20)); // within the default reservation TTL of 30 s
    Reservation retried = billing.reserve(Charge.of(client, 4).idempotencyKey("r")).reservation().orElseThrow();
    assertThat(retried).isEqualTo(first);
    assertThat(billing.commit(first, 2)).isTrue();
    BillingDecision settled = billing.reserve(Charge.of(client, 4).idempotencyKey("r"));
    assertThat(settled.replayed()).isTrue();
    assertThat(settled.reservation()).map(Reservation::credits).contains(0L);
    assertThat(billing.commit(settled.reservation().orElseThrow(), 0)).isFalse();
    assertThat(used(billing, "day")).isEqualTo(2);
  }

  @Test
  void releasedReservationForgetsItsIdempotencyKeySoTheRetryIsCharged() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Charge charge = Charge.of(client, 4).idempotencyKey("failed-first");
    Reservation first = billing.reserve(charge).reservation().orElseThrow();
    assertThat(billing.release(first)).isTrue();
    BillingDecision retry = billing.reserve(charge);
    assertThat(retry.replayed()).isFalse();
    assertThat(retry.reservation()).map(Reservation::id).isNotEqualTo(java.util.Optional.of(first.id()));
    assertThat(used(billing, "day")).isEqualTo(4);
    assertThat(billing.commit(retry.reservation().orElseThrow(), 4)).isTrue();
    assertThat(billing.reserve(charge).replayed()).isTrue();
    assertThat(used(billing, "day")).isEqualTo(4);
  }

  @Test
  void expiredReservationForgetsItsIdempotencyKey() {
    ApiBilling b = billing(store, s -> s.reservationTtl(Duration.ofMinutes(5)));
    plan(b, QuotaDefinition.of(DAY, 10));
    Charge charge = Charge.of(client, 3).idempotencyKey("abandoned");
    b.reserve(charge).reservation().orElseThrow();
    clock.advance(Duration.ofMinutes(6));
    BillingDecision retry = b.reserve(charge);
    assertThat(retry.granted()).isTrue();
    assertThat(retry.replayed()).isFalse();
    assertThat(used(b, "day")).isEqualTo(3);
  }

  @Test
  void partlyCommittedReservationKeepsItsIdempotencyKey() {
    plan(billing, QuotaDefinition.of(DAY, 10));
    Charge charge = Charge.of(client, 5).idempotencyKey("done");
    Reservation r = billing.reserve(charge).reservation().orElseThrow();
    assertThat(billing.commit(r, 1)).isTrue();
    assertThat(billing.reserve(charge).replayed()).isTrue();
    assertThat(used(billing, "day")).isEqualTo(1);
  }

  // ---- status and history ---------------------------------------------------------------------

  @Test
  void statusReportsEveryQuotaWithItsWindow() {
    plan(billing, QuotaDefinition.of(DAY, 500), QuotaDefinition.of(MONTH, 10_000));
    billing.trackClientUsage(client, 463);
    ClientStatus status = billing.status(client);
    QuotaState day = status.quotas().get(0);
    QuotaState month = status.quotas().get(1);
    assertThat(day.used()).isEqualTo(463);
    assertThat(day.remaining()).isEqualTo(37);
    assertThat(day.windowStart()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z"));
    assertThat(day.resetAt()).isEqualTo(Instant.parse("2026-03-11T00:00:00Z"));
    assertThat(month.windowStart()).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    assertThat(month.resetAt()).isEqualTo(Instant.parse("2026-04-01T00:00:00Z"));
    assertThat(status.lowest()).isEqualTo(day);
  }

  @Test
  void statusOfAClientThatNeverSpentIsZero() {
    plan(billing, QuotaDefinition.of(DAY, 5));
    assertThat(billing.status(client).lowest().used()).isZero();
  }

  @Test
  void dailyHistoryIsOneTotalPerDayAndCanBeDeleted() {
    plan(billing, QuotaDefinition.unlimited(MONTH));
    billing.trackClientUsage(client, 3);
    billing.trackClientUsage(client, 4);
    clock.advance(Duration.ofDays(1));
    billing.tryCharge(Charge.of(client, 5).with("route", "GET /api/report"));
    clock.advance(Duration.ofDays(2));
    billing.trackClientUsage(client, 1);
    LocalDate d10 = LocalDate.of(2026, 3, 10);
    assertThat(billing.usageHistory(client, d10, d10.plusDays(5))).containsExactly(
        new DailyUsage(d10, 7), new DailyUsage(d10.plusDays(1), 5), new DailyUsage(d10.plusDays(3), 1));
    assertThat(billing.deleteUsage(client, d10, d10.plusDays(1))).isEqualTo(2);
    assertThat(billing.usageHistory(client, d10, d10.plusDays(5)))
        .containsExactly(new DailyUsage(d10.plusDays(3), 1));
    assertThat(billing.status(client).lowest().used()).isEqualTo(13);
  }

  @Test
  void usageIsThereForANewStoreObject() {
    plan(billing, QuotaDefinition.of(MONTH, 100));
    billing.trackClientUsage(client, 42);
    ApiBilling restarted = billing(track(newStore()), b -> {});
    plan(restarted, QuotaDefinition.of(MONTH, 100));
    assertThat(used(restarted, "month")).isEqualTo(42);
  }

  @Test
  void windowsLongPastAreNotReported() {
    plan(billing, QuotaDefinition.of(DAY, 10), QuotaDefinition.of(MONTH, 100));
    billing.trackClientUsage(client, 9);
    clock.advance(Duration.ofDays(62));
    assertThat(billing.status(client).quotas()).extracting(QuotaState::used).containsExactly(0L, 0L);
    assertThat(billing.trackClientUsage(client, 10).lowest().used()).isEqualTo(10);
  }

  // ---- model-based ----------------------------------------------------------------------------

  private ModelRun modelRun() {
    return new ModelRun(store, track(newStore()), this::dropExpired);
  }

  /**
   * Random sequences of every operation on two billings over the store, checked against an independent
   * model; bounded by {@code apibilling.model.runs}, {@code .steps} and {@code .seconds} (from seed
   * {@code apibilling.model.seed}).
   */
  @Test
  void randomOperationSequencesAgreeWithTheReferenceModel() {
    int runs = modelRun().randomRuns(Long.getLong("apibilling.model.seed", 18L),
        Integer.getInteger("apibilling.model.runs", 100), Integer.getInteger("apibilling.model.steps", 40),
        Duration.ofSeconds(Integer.getInteger("apibilling.model.seconds", 4)));
    assertThat(runs).isPositive();
  }

  @Test
  void sequencesThatFoundBugsAgreeWithTheReferenceModel() {
    ModelRun run = modelRun();
    ModelExamples.all().forEach((name, scenario) -> run.check(scenario, name));
  }

  // ---- concurrency ----------------------------------------------------------------------------

  @Test
  void concurrentChargesGrantExactlyTheLimit() throws Exception {
    plan(billing, QuotaDefinition.of(DAY, 1_000), QuotaDefinition.of(MONTH, 250));
    long granted = hammer(List.of(billing), 8, 50, b -> b.tryTrackClientUsage(client, 1).granted());
    assertThat(granted).isEqualTo(250);
    assertThat(used(billing, "day")).isEqualTo(250);
    assertThat(used(billing, "month")).isEqualTo(250);
  }

  @Test
  void concurrentChargesBelowTheLimitAreAllGranted() throws Exception {
    plan(billing, QuotaDefinition.of(DAY, 10_000));
    long granted = hammer(List.of(billing), 4, 50, b -> b.tryTrackClientUsage(client, 3).granted());
    assertThat(granted).isEqualTo(200);
    assertThat(used(billing, "day")).isEqualTo(600);
  }

  @Test
  void twoBillingInstancesOnTheSameBackendShareOneBudget() throws Exception {
    ApiBilling second = billing(track(newStore()), b -> {});
    plan(billing, QuotaDefinition.of(DAY, 300));
    plan(second, QuotaDefinition.of(DAY, 300));
    long granted = hammer(List.of(billing, second), 4, 50, b -> b.tryTrackClientUsage(client, 2).granted());
    assertThat(granted).isEqualTo(150);
    assertThat(used(billing, "day")).isEqualTo(300);
    assertThat(used(second, "day")).isEqualTo(300);
  }

  @Test
  void concurrentReservationsNeverOverspend() throws Exception {
    plan(billing, QuotaDefinition.of(DAY, 100));
    AtomicLong kept = new AtomicLong();
    long granted = hammer(List.of(billing), 6, 30, b -> {
      BillingDecision d = b.reserve(Charge.of(client, 4));
      if (d.granted()) {
        Reservation r = d.reservation().orElseThrow();
        b.commit(r, 3);
        kept.addAndGet(3);
      }
      return d.granted();
    });
    assertThat(granted).isLessThanOrEqualTo(180);
    assertThat(used(billing, "day")).isEqualTo(kept.get()).isLessThanOrEqualTo(100);
    assertThat(kept.get()).isGreaterThan(96);
  }

  /** Runs {@code calls} decisions on each of {@code threads} threads per billing; returns how many were granted. */
  protected static long hammer(List<ApiBilling> billings, int threads, int calls,
      java.util.function.Predicate<ApiBilling> decision) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads * billings.size());
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> results = new ArrayList<>();
      for (ApiBilling b : billings) {
        for (int t = 0; t < threads; t++) {
          results.add(pool.submit(() -> {
            start.await();
            long granted = 0;
            for (int i = 0; i < calls; i++) {
              if (decision.test(b)) {
                granted++;
              }
            }
            return granted;
          }));
        }
      }
      start.countDown();
      long total = 0;
      for (Future<Long> f : results) {
        total += f.get(2, TimeUnit.MINUTES);
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
