package dev.apibilling.tck;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.ClientStatus;
import dev.apibilling.QuotaPlans;
import dev.apibilling.QuotaState;
import dev.apibilling.Reservation;
import dev.apibilling.spi.UsageStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of quotas per operation on a store: a charge of an operation counts against the client-wide
 * quotas and that operation's, all or nothing, in one store call, exactly across instances. A store's test
 * extends this class and implements {@link #newStore()} as for {@link UsageStoreContract}; every test uses
 * a client id of its own.
 */
public abstract class OperationQuotaContract {

  private static final Instant START = Instant.parse("2026-03-10T10:15:30Z");

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
    UsageStore store = newStore();
    stores.add(store);
    ApiBilling b = ApiBilling.builder().store(store).clock(clock).build();
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
}
