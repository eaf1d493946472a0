package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.ClientStatus;
import dev.apibilling.DailyUsage;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaPlans;
import dev.apibilling.QuotaState;
import dev.apibilling.Requirements;
import dev.apibilling.Reservation;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of quotas per operation on a store: a charge of an operation counts against the client-wide
 * quotas and that operation's, all or nothing, in one store call, exactly across instances; its credits
 * count in the client's daily history and in the operation's ({@link UsageStore#history(String, String,
 * long, long)}), and a reservation gives back to both. A store's test
 * extends this class and implements {@link #newStore()} as for {@link UsageStoreContract}; every test uses
 * a client id of its own.
 */
public abstract class OperationQuotaContract {

  private static final Instant START = Instant.parse("2026-03-10T10:15:30Z");
  private static final LocalDate D10 = LocalDate.of(2026, 3, 10);

  private final MutableClock clock = new MutableClock(START);
  private final List<UsageStore> stores = new ArrayList<>();
  private final List<ApiBilling> billings = new ArrayList<>();
  private ApiBilling billing;
  private String client;

  /** A store object over the backend under test, sharing data with the others (see UsageStoreContract). */
  protected abstract UsageStore newStore();

  @BeforeEach
  void open() {
    billing = billing();
    client = "ops-" + UUID.randomUUID();
  }

  @AfterEach
  void close() {
    billings.forEach(ApiBilling::close);
    stores.forEach(UsageStore::close);
  }

  private ApiBilling billing() {
    return billing(b -> {});
  }

  /** A billing over a new store object with this test's clock and {@code settings}. */
  private ApiBilling billing(Consumer<ApiBilling.Builder> settings) {
    UsageStore store = newStore();
    stores.add(store);
    ApiBilling.Builder builder = ApiBilling.builder().store(store).clock(clock);
    settings.accept(builder);
    ApiBilling b = builder.build();
    billings.add(b);
    return b;
  }

  private void plan(ApiBilling b, String quotas) {
    b.updateClientQuotas(client, QuotaPlans.parseQuotas(quotas));
  }

  private long used(ApiBilling b, String name) {
    return b.status(client).quotas().stream().filter(q -> q.name().equals(name)).findFirst().orElseThrow()
        .used();
  }

  private BillingDecision charge(ApiBilling b, long credits, String operation) {
    return b.tryCharge(Charge.of(client, credits).operation(operation));
  }

  /** The client's history from March 10 to March 20, 2026. */
  private List<DailyUsage> history(ApiBilling b) {
    return b.usageHistory(client, D10, D10.plusDays(10));
  }

  /** The operation's history from March 10 to March 20, 2026. */
  private List<DailyUsage> history(ApiBilling b, String operation) {
    return b.usageHistory(client, operation, D10, D10.plusDays(10));
  }

  private static DailyUsage day(int dayOfMarch, long credits) {
    return new DailyUsage(LocalDate.of(2026, 3, dayOfMarch), credits);
  }

  @Test
  void operationChargeCountsAgainstClientWideAndItsOwnQuotasOnly() {
    plan(billing, "day:100, day:5 operation=send_email, day:7 operation=report");

    BillingDecision d = charge(billing, 2, "send_email");

    assertThat(d.granted()).isTrue();
    assertThat(d.quotas()).extracting(QuotaState::name).containsExactly("day", "send_email/day");
    assertThat(d.quotas()).extracting(QuotaState::used).containsExactly(2L, 2L);
    assertThat(used(billing, "report/day")).isZero();
    BillingDecision plain = billing.tryTrackClientUsage(client, 1);
    assertThat(plain.quotas()).extracting(QuotaState::name).containsExactly("day");
    assertThat(used(billing, "day")).isEqualTo(3);
    assertThat(used(billing, "send_email/day")).isEqualTo(2);
  }

  @Test
  void spentOperationQuotaDeniesThatOperationAndDeductsFromNoQuota() {
    plan(billing, "day:100, day:5 operation=send_email");
    assertThat(charge(billing, 5, "send_email").granted()).isTrue();

    BillingDecision denied = charge(billing, 1, "send_email");

    assertThat(denied.granted()).isFalse();
    assertThat(denied.violated()).map(QuotaState::name).contains("send_email/day");
    assertThat(used(billing, "day")).isEqualTo(5);
    assertThat(used(billing, "send_email/day")).isEqualTo(5);
    assertThat(charge(billing, 1, "report").granted()).isTrue();
    assertThat(billing.tryTrackClientUsage(client, 1).granted()).isTrue();
    assertThat(used(billing, "day")).isEqualTo(7);
  }

  @Test
  void spentClientWideQuotaDeniesAnOperationAndDeductsNothingFromIt() {
    plan(billing, "day:3, month:100 operation=send_email");
    assertThat(billing.tryTrackClientUsage(client, 2).granted()).isTrue();

    BillingDecision denied = charge(billing, 2, "send_email");

    assertThat(denied.granted()).isFalse();
    assertThat(denied.violated()).map(QuotaState::name).contains("day");
    assertThat(used(billing, "send_email/month")).isZero();
    assertThat(used(billing, "day")).isEqualTo(2);
  }

  @Test
  void reservationOfAnOperationSettlesOnBothQuotas() {
    plan(billing, "day:100, day:10 operation=report");
    Reservation r = billing.reserve(Charge.of(client, 8).operation("report")).reservation().orElseThrow();
    assertThat(charge(billing, 3, "report").granted()).isFalse();

    billing.commit(r, 5);

    assertThat(used(billing, "day")).isEqualTo(5);
    assertThat(used(billing, "report/day")).isEqualTo(5);
    assertThat(charge(billing, 5, "report").granted()).isTrue();
  }

  @Test
  void clientWithoutOperationQuotasKeepsItsUsageWhenOneIsAdded() {
    plan(billing, "day:100");
    billing.trackClientUsage(client, 30);

    plan(billing, "day:100, day:10 operation=send_email");

    assertThat(used(billing, "day")).isEqualTo(30);
    assertThat(used(billing, "send_email/day")).isZero();
  }

  @Test
  void statusListsEveryQuotaGroupedByOperation() {
    plan(billing, "day:100, month:1000, day:5 operation=send_email, month:20 operation=report");
    charge(billing, 1, "report");

    ClientStatus status = billing.status(client);

    assertThat(status.quotas()).hasSize(4);
    assertThat(status.clientWide()).extracting(QuotaState::policy).containsExactly("day", "month");
    assertThat(status.byOperation()).containsOnlyKeys("send_email", "report");
    assertThat(status.byOperation().get("report")).singleElement()
        .satisfies(q -> assertThat(q.used()).isEqualTo(1))
        .satisfies(q -> assertThat(q.duration()).isEqualTo(MONTH));
    assertThat(status.byOperation().get("send_email")).singleElement()
        .satisfies(q -> assertThat(q.duration()).isEqualTo(DAY));
  }

  @Test
  void twoInstancesGrantAnOperationExactlyItsQuotaUnderConcurrency() throws Exception {
    ApiBilling second = billing();
    String quotas = "day:1000, day:40 operation=send_email";
    plan(billing, quotas);
    plan(second, quotas);
    AtomicLong operationGranted = new AtomicLong();
    AtomicLong plainGranted = new AtomicLong();
    AtomicLong calls = new AtomicLong();

    UsageStoreContract.hammer(List.of(billing, second), 4, 25, b -> {
      boolean operation = calls.incrementAndGet() % 2 == 0;
      boolean granted = operation ? charge(b, 1, "send_email").granted() : b.tryTrackClientUsage(client, 1).granted();
      (operation ? operationGranted : plainGranted).addAndGet(granted ? 1 : 0);
      return granted;
    });

    assertThat(operationGranted.get()).isEqualTo(40);
    assertThat(plainGranted.get()).isEqualTo(100);
    assertThat(used(second, "send_email/day")).isEqualTo(40);
    assertThat(used(billing, "day")).isEqualTo(140);
  }

  // ---- daily history per operation ------------------------------------------------------------

  @Test
  void operationHistoryHoldsTheChargesOfThatOperationAndTheClientsHistoryHoldsThemAll() {
    plan(billing, "day:100, day:50 operation=send_email, day:50 operation=report");
    assertThat(charge(billing, 2, "send_email").granted()).isTrue();
    assertThat(charge(billing, 3, "report").granted()).isTrue();
    assertThat(billing.tryTrackClientUsage(client, 4).granted()).isTrue();
    assertThat(charge(billing, 5, "export").granted()).as("an operation without quotas").isTrue();
    clock.advance(Duration.ofDays(1));
    assertThat(charge(billing, 1, "send_email").granted()).isTrue();
    assertThat(charge(billing, 6, "send_email").granted()).isTrue();

    assertThat(history(billing)).containsExactly(day(10, 14), day(11, 7));
    assertThat(history(billing, "send_email")).containsExactly(day(10, 2), day(11, 7));
    assertThat(history(billing, "report")).containsExactly(day(10, 3));
    assertThat(history(billing, "export")).isEmpty();
  }

  @Test
  void operationHistoryStartsWhenThePlanGivesTheOperationQuotas() {
    plan(billing, "day:100");
    assertThat(charge(billing, 3, "send_email").granted()).isTrue();

    plan(billing, "day:100, day:10 operation=send_email");
    assertThat(charge(billing, 2, "send_email").granted()).isTrue();

    assertThat(history(billing)).containsExactly(day(10, 5));
    assertThat(history(billing, "send_email")).containsExactly(day(10, 2));
  }

  @Test
  void historyOfAClientOrOperationWithoutUsageIsEmpty() {
    plan(billing, "day:100, day:10 operation=send_email");
    assertThat(history(billing, "send_email")).isEmpty();
    billing.trackClientUsage(client, 1);
    assertThat(history(billing, "send_email")).isEmpty();
    assertThat(billing.usageHistory(client + "-never", "send_email", D10, D10)).isEmpty();
  }

  @Test
  void deniedChargesAndReplaysAddNothingToTheOperationHistory() {
    plan(billing, "day:100, day:5 operation=send_email");
    Charge keyed = Charge.of(client, 4).idempotencyKey("k").operation("send_email");
    assertThat(billing.tryCharge(keyed).granted()).isTrue();

    BillingDecision replay = billing.tryCharge(keyed);
    BillingDecision denied = charge(billing, 2, "send_email");
    BillingDecision deniedReservation = billing.reserve(Charge.of(client, 3).operation("send_email"));

    assertThat(replay.replayed()).isTrue();
    assertThat(denied.granted()).isFalse();
    assertThat(deniedReservation.granted()).isFalse();
    assertThat(history(billing, "send_email")).containsExactly(day(10, 4));
    assertThat(history(billing)).containsExactly(day(10, 4));
  }

  @Test
  void chargeOfAnOperationDeniedByAClientWideQuotaAddsNothingToEitherHistory() {
    plan(billing, "day:3, day:50 operation=report");
    assertThat(charge(billing, 2, "report").granted()).isTrue();

    assertThat(charge(billing, 2, "report").granted()).isFalse();

    assertThat(history(billing, "report")).containsExactly(day(10, 2));
    assertThat(history(billing)).containsExactly(day(10, 2));
  }

  @Test
  void reservationCountsWhenMadeAndSettlementGivesTheRestBackToItsOperation() {
    plan(billing, "day:100, day:50 operation=report, day:50 operation=send_email");
    Reservation r = billing.reserve(Charge.of(client, 8).operation("report")).reservation().orElseThrow();
    assertThat(history(billing, "report")).as("counted at reserve time").containsExactly(day(10, 8));
    assertThat(history(billing)).containsExactly(day(10, 8));

    assertThat(billing.commit(r, 5)).isTrue();
    assertThat(history(billing, "report")).containsExactly(day(10, 5));

    Reservation released =
        billing.reserve(Charge.of(client, 4).operation("report")).reservation().orElseThrow();
    assertThat(history(billing, "report")).containsExactly(day(10, 9));
    assertThat(billing.release(released)).isTrue();
    assertThat(billing.release(released)).isFalse();

    assertThat(history(billing, "report")).containsExactly(day(10, 5));
    assertThat(history(billing, "send_email")).isEmpty();
    assertThat(history(billing)).containsExactly(day(10, 5));
  }

  @Test
  void settledReservationWithAKeyGivesBackOnceAndItsReplayAddsNothing() {
    plan(billing, "day:100, day:50 operation=report");
    Charge keyed = Charge.of(client, 6).idempotencyKey("upload").operation("report");
    Reservation r = billing.reserve(keyed).reservation().orElseThrow();
    assertThat(billing.commit(r, 2)).isTrue();

    assertThat(billing.reserve(keyed).replayed()).isTrue();
    assertThat(billing.commit(r, 1)).isFalse();

    assertThat(history(billing, "report")).containsExactly(day(10, 2));
    assertThat(history(billing)).containsExactly(day(10, 2));
  }

  @Test
  void expiredReservationGivesItsCreditsBackToItsOperation() {
    ApiBilling b = billing(s -> s.reservationTtl(Duration.ofMinutes(5)));
    plan(b, "day:100, day:50 operation=report");
    Reservation r = b.reserve(Charge.of(client, 7).operation("report")).reservation().orElseThrow();
    assertThat(charge(b, 1, "report").granted()).isTrue();
    assertThat(history(b, "report")).containsExactly(day(10, 8));

    clock.advance(Duration.ofMinutes(6));
    assertThat(charge(b, 2, "report").granted()).as("a call after the TTL expires the reservation").isTrue();

    assertThat(history(b, "report")).containsExactly(day(10, 3));
    assertThat(history(b)).containsExactly(day(10, 3));
    assertThat(b.commit(r, 7)).isFalse();
    assertThat(history(b, "report")).containsExactly(day(10, 3));
  }

  @Test
  void reservationSettledTheNextDayGivesBackToTheDayItWasMade() {
    clock.set(Instant.parse("2026-03-10T23:50:00Z"));
    ApiBilling b = billing(s -> s.reservationTtl(Duration.ofDays(2)));
    plan(b, "month:1000, month:500 operation=report");
    Reservation kept = b.reserve(Charge.of(client, 10).operation("report")).reservation().orElseThrow();
    Reservation released = b.reserve(Charge.of(client, 3).operation("report")).reservation().orElseThrow();
    clock.advance(Duration.ofMinutes(20));
    assertThat(charge(b, 1, "report").granted()).isTrue();

    assertThat(b.commit(kept, 4)).isTrue();
    assertThat(b.release(released)).isTrue();

    assertThat(history(b, "report")).containsExactly(day(10, 4), day(11, 1));
    assertThat(history(b)).containsExactly(day(10, 4), day(11, 1));
    assertThat(used(b, "report/month")).isEqualTo(5);
  }

  @Test
  void operationDaysSplitAtTheHistoryZonesMidnight() {
    ApiBilling tokyo = billing(s -> s.historyZone(ZoneId.of("Asia/Tokyo")));
    plan(tokyo, "month:1000, month:500 operation=report");
    assertThat(charge(tokyo, 2, "report").granted()).isTrue();             // 19:15:30 in Tokyo, March 10
    clock.advance(Duration.ofHours(4).plusMinutes(44));                     // 23:59:30
    assertThat(charge(tokyo, 3, "report").granted()).isTrue();
    clock.advance(Duration.ofSeconds(30));                                  // 00:00:00, March 11
    assertThat(charge(tokyo, 4, "report").granted()).isTrue();

    assertThat(history(tokyo, "report")).containsExactly(day(10, 5), day(11, 4));
    assertThat(history(tokyo)).containsExactly(day(10, 5), day(11, 4));
  }

  @Test
  void deletingUsageDeletesTheOperationDaysToo() {
    plan(billing, "month:1000, month:500 operation=report, month:500 operation=send_email");
    for (int i = 0; i < 3; i++) {
      charge(billing, 1 + i, "report");
      charge(billing, 10, "send_email");
      clock.advance(Duration.ofDays(1));
    }

    assertThat(billing.deleteUsage(client, D10, D10.plusDays(1))).isEqualTo(2);

    assertThat(history(billing)).containsExactly(day(12, 13));
    assertThat(history(billing, "report")).containsExactly(day(12, 3));
    assertThat(history(billing, "send_email")).containsExactly(day(12, 10));
    assertThat(used(billing, "report/month")).as("windows are not touched").isEqualTo(6);
    assertThat(billing.deleteUsage(client, D10, D10.plusDays(1))).isZero();
  }

  @Test
  void deletingOnlyOperationDaysCountsNoClientDay() {
    plan(billing, "month:1000, month:500 operation=report");
    charge(billing, 2, "report");

    assertThat(billing.deleteUsage(client, D10.plusDays(1), D10.plusDays(3))).isZero();

    assertThat(history(billing, "report")).containsExactly(day(10, 2));
  }

  @Test
  void operationTotalsSaturateLikeClientTotals() {
    long max = Requirements.MAX_CREDITS;
    plan(billing, "day:unlimited, day:unlimited operation=report");
    for (int i = 0; i < 3; i++) {
      assertThat(charge(billing, max, "report").granted()).isTrue();
    }
    assertThat(history(billing, "report")).containsExactly(day(10, max));
    assertThat(history(billing)).containsExactly(day(10, max));
  }

  @Test
  void leasingInstanceSendsOperationChargesToTheStoreSoTheirHistoryIsExact() {
    ApiBilling leasing = billing(s -> s.leases(LeaseSettings.defaults().withHotDecisions(2)));
    plan(leasing, "day:100000, day:50000 operation=report");
    for (int i = 0; i < 20; i++) {
      assertThat(charge(leasing, 2, "report").granted()).isTrue();
      assertThat(leasing.tryTrackClientUsage(client, 1).granted()).isTrue();
    }

    assertThat(history(leasing, "report")).containsExactly(day(10, 40));
    assertThat(history(billing, "report")).containsExactly(day(10, 40));
  }

  @Test
  void twoInstancesChargingConcurrentlyKeepExactOperationTotals() throws Exception {
    ApiBilling second = billing();
    String quotas = "day:1000000, day:1000000 operation=send_email, day:1000000 operation=report";
    plan(billing, quotas);
    plan(second, quotas);
    AtomicLong calls = new AtomicLong();
    AtomicLong sendEmail = new AtomicLong();
    AtomicLong report = new AtomicLong();
    AtomicLong total = new AtomicLong();

    long granted = UsageStoreContract.hammer(List.of(billing, second), 4, 25, b -> {
      long call = calls.incrementAndGet();
      switch ((int) (call % 5)) {
        case 0 -> {
          sendEmail.addAndGet(1);
          total.addAndGet(1);
          return charge(b, 1, "send_email").granted();
        }
        case 1 -> {
          report.addAndGet(2);
          total.addAndGet(2);
          return charge(b, 2, "report").granted();
        }
        case 2 -> {
          total.addAndGet(3);
          return b.tryTrackClientUsage(client, 3).granted();
        }
        case 3 -> {
          Reservation r = b.reserve(Charge.of(client, 5).operation("send_email")).reservation().orElseThrow();
          sendEmail.addAndGet(2);
          total.addAndGet(2);
          return b.commit(r, 2);
        }
        default -> {
          Reservation r = b.reserve(Charge.of(client, 4).operation("report")).reservation().orElseThrow();
          return b.release(r);
        }
      }
    });

    assertThat(granted).isEqualTo(200);
    assertThat(history(second, "send_email")).containsExactly(day(10, sendEmail.get()));
    assertThat(history(billing, "report")).containsExactly(day(10, report.get()));
    assertThat(history(billing)).containsExactly(day(10, total.get()));
    assertThat(used(second, "send_email/day")).isEqualTo(sendEmail.get());
  }

  // ---- the store interface ----------------------------------------------------------------------

  @Test
  void storeCountsAGrantedChargeOrReservationOfAnOperationInItsDailyTotal() {
    UsageStore store = newStore();
    stores.add(store);
    long now = START.toEpochMilli();
    long day = D10.toEpochDay();
    long start = D10.atStartOfDay(ZoneId.of("UTC")).toInstant().toEpochMilli();
    List<WindowSlot> slots = List.of(new WindowSlot("day", start, start + 86_400_000L, 100),
        new WindowSlot("report/day", start, start + 86_400_000L, 10));

    assertThat(store.charge(request(slots, 3, ChargeMode.CHARGE, null, now, "report")).granted()).isTrue();
    assertThat(store.charge(request(slots, 2, ChargeMode.CHECK, null, now, "report")).granted()).isTrue();
    assertThat(store.charge(request(slots, 8, ChargeMode.CHARGE, null, now, "report")).granted()).isFalse();
    ChargeResult held = store.charge(request(slots, 4, ChargeMode.RESERVE, "r1", now, "report"));
    assertThat(held.granted()).isTrue();
    assertThat(store.history(client, "report", day, day)).containsExactly(new DayTotal(day, 7));
    assertThat(store.settle(new SettleRequest(client, "r1", 1, now + 1))).isTrue();
    assertThat(store.charge(request(slots.subList(0, 1), 5, ChargeMode.CHARGE, null, now, null)).granted())
        .isTrue();

    assertThat(store.history(client, "report", day, day)).containsExactly(new DayTotal(day, 4));
    assertThat(store.history(client, day, day)).containsExactly(new DayTotal(day, 9));
    assertThat(store.history(client, "send_email", day, day)).isEmpty();
    assertThat(store.history(client, "report", day + 1, day + 5)).isEmpty();
    assertThat(store.deleteHistory(client, day, day)).isEqualTo(1);
    assertThat(store.history(client, "report", day, day)).isEmpty();
  }

  private ChargeRequest request(List<WindowSlot> slots, long credits, ChargeMode mode, String reservationId,
      long now, String operation) {
    return new ChargeRequest(client, slots, credits, mode, null, 0, reservationId, now + 60_000,
        D10.toEpochDay(), Map.of(), now, null, operation);
  }
}
