package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.tck.ForwardingUsageStore;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Leased budgets on the in-memory store, one behaviour at a time, on a clock moved by hand. */
final class LeasingTest {

  private static final String CLIENT = "acme";
  private static final LeaseSettings SETTINGS = LeaseSettings.defaults().withHotDecisions(4);

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
  private final InMemoryUsageStore store = InMemoryUsageStore.create();

  private ApiBilling leasing(List<QuotaDefinition> quotas) {
    return billing(quotas, true);
  }

  private ApiBilling billing(List<QuotaDefinition> quotas, boolean leases) {
    ApiBilling.Builder b = ApiBilling.builder().store(store).clock(clock);
    if (leases) {
      b.leases(SETTINGS).manualLeaseSweeps();
    }
    ApiBilling billing = b.build();
    billing.updateClientQuotas(CLIENT, quotas);
    return billing;
  }

  private long stored(List<QuotaDefinition> quotas, int quota) {
    long now = clock.millis();
    return store.usage(CLIENT, new Plan(quotas).windows(now).slots, now)[quota];
  }

  @Test
  void grantsAHotClientsChargesFromALeaseAndSettlesExactlyWhatWasGranted() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000));
    ApiBilling billing = leasing(quotas);
    for (int i = 0; i < 40; i++) {
      assertThat(billing.tryTrackClientUsage(CLIENT, 1 + i % 3).granted()).isTrue();
    }
    clock.advance(Duration.ofMillis(1100));
    for (int i = 0; i < 100; i++) {
      billing.trackClientUsage(CLIENT, 2);
    }
    LeaseStats stats = billing.leaseStats();
    assertThat(stats.grants()).isPositive();
    assertThat(stats.localDecisions()).isGreaterThan(90);
    assertThat(stats.localHitRatio()).isGreaterThan(0.6);
    assertThat(stored(quotas, 0)).as("the store holds the whole block").isGreaterThan(279);
    assertThat(billing.status(CLIENT).quotas().get(0).used()).as("status: granted, not held").isEqualTo(279);
    billing.settleLeases();
    assertThat(stored(quotas, 0)).isEqualTo(279);
    assertThat(billing.leaseStats().returns()).isEqualTo(stats.grants());
  }

  @Test
  void aHotClientNeedsAtMostOneStoreCallInTwentyDecisionsWithChunksDrawnFromTheBlock() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000_000));
    ApiBilling billing = leasing(quotas);
    long granted = 0;
    for (int i = 0; i < 20_000; i++) {
      clock.advance(Duration.ofMillis(1));
      if (i % 250 == 0) {
        billing.sweepLeases();
      }
      long credits = 1 + i % 3;
      if (billing.tryTrackClientUsage(CLIENT, credits).granted()) {
        granted += credits;
      }
    }
    LeaseStats stats = billing.leaseStats();
    assertThat(stats.grants()).as("chunks: several drawn from each block").isGreaterThan(40);
    double perDecision = (double) stats.storeDecisions() / (stats.storeDecisions() + stats.localDecisions());
    assertThat(perDecision).as("store calls per decision (%s)", stats).isLessThanOrEqualTo(0.05);
    billing.settleLeases();
    assertThat(stored(quotas, 0)).isEqualTo(granted);
  }

  @Test
  void aWindowBoundaryInTheMiddleOfALeaseLosesAndOverspendsNothing() {
    clock.set(Instant.parse("2026-03-10T10:15:59.500Z"));
    List<QuotaDefinition> quotas =
        List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 1_000), QuotaDefinition.of(QuotaDuration.DAY, 50_000));
    ApiBilling billing = leasing(quotas);
    for (int i = 0; i < 50; i++) {
      billing.trackClientUsage(CLIENT, 3);
    }
    assertThat(billing.leaseStats().grants()).isPositive();
    clock.advance(Duration.ofMillis(600));
    assertThat(billing.trackClientUsage(CLIENT, 2).quotas().get(0).used())
        .as("a new minute within the lease's span starts at 0").isEqualTo(2);
    for (int i = 1; i < 20; i++) {
      billing.trackClientUsage(CLIENT, 2);
    }
    assertThat(billing.leaseStats().returns()).as("the old minute's lease was settled").isPositive();
    assertThat(stored(quotas, 0)).as("new minute, lease still held").isGreaterThanOrEqualTo(40);
    billing.settleLeases();
    assertThat(stored(quotas, 0)).isEqualTo(40);
    assertThat(stored(quotas, 1)).isEqualTo(190);
  }

  @Test
  void takesNoLeaseNearTheLimitAndGrantsTheLastCreditsExactly() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 100));
    billing(quotas, false).trackClientUsage(CLIENT, 75);
    ApiBilling billing = leasing(quotas);
    for (int i = 0; i < 25; i++) {
      billing.trackClientUsage(CLIENT, 1);
    }
    assertThat(billing.tryTrackClientUsage(CLIENT, 1).granted()).isFalse();
    assertThat(billing.leaseStats().grants()).as("25 left x 1/4 < 8 charges").isZero();
    assertThat(stored(quotas, 0)).isEqualTo(100);
  }

  @Test
  void aCrashedInstancesGrantedCreditsStayCountedAndOnlyItsUndrawnBlockReturnsAtTheTtl() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 1_000));
    ApiBilling crashed = leasing(quotas);
    for (int i = 0; i < 40; i++) {
      crashed.trackClientUsage(CLIENT, 1);
    }
    long held = stored(quotas, 0);
    assertThat(held).as("granted, plus the chunk's rest and the undrawn block").isGreaterThan(40);
    ApiBilling survivor = billing(quotas, false);
    assertThatThrownBy(() -> survivor.trackClientUsage(CLIENT, 1_001 - held)).isInstanceOf(QuotaException.class);
    clock.advance(SETTINGS.ttl());
    long after = stored(quotas, 0);
    assertThat(after).as("nothing granted is given back").isGreaterThanOrEqualTo(40);
    assertThat(after).as("the undrawn block is given back").isLessThan(held);
    assertThat(after - 40).as("stranded: the chunk in use and the one drawn ahead (8 charges each here)")
        .isLessThanOrEqualTo(16);
    assertThat(survivor.tryTrackClientUsage(CLIENT, 1_000 - after + 1).granted()).isFalse();
    assertThat(survivor.tryTrackClientUsage(CLIENT, 1_000 - after).granted()).isTrue();
  }

  @Test
  void givesItsOwnLeaseBackBeforeTheStoreDeniesAKeyedCharge() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 1_000));
    ApiBilling billing = leasing(quotas);
    for (int i = 0; i < 40; i++) {
      billing.trackClientUsage(CLIENT, 1);
    }
    assertThat(stored(quotas, 0)).isGreaterThan(40);
    assertThat(billing.check(CLIENT, 960).granted()).isTrue();
    assertThat(billing.tryCharge(Charge.of(CLIENT, 960).idempotencyKey("k1")).granted()).isTrue();
    assertThat(stored(quotas, 0)).isEqualTo(1_000);
  }

  @Test
  void meterRegistryRecordsLeaseGrantsReturnsAndTheLocalHitRatio() {
    io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    ApiBilling billing = ApiBilling.builder().store(store).clock(clock).leases(SETTINGS).manualLeaseSweeps()
        .metrics(BillingMetrics.monitor(registry)).build();
    billing.updateClientQuotas(CLIENT, List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000)));
    for (int i = 0; i < 40; i++) {
      billing.trackClientUsage(CLIENT, 1);
    }
    billing.settleLeases();
    LeaseStats stats = billing.leaseStats();
    assertThat(registry.get("apibilling.leases.grants").functionCounter().count()).isEqualTo(stats.grants());
    assertThat(registry.get("apibilling.leases.returns").functionCounter().count()).isEqualTo(stats.returns());
    assertThat(registry.get("apibilling.leases.decisions").tag("source", "local").functionCounter().count())
        .isEqualTo(stats.localDecisions()).isPositive();
    assertThat(registry.get("apibilling.leases.local.ratio").gauge().value()).isEqualTo(stats.localHitRatio());
  }

  @Test
  void aChunkSettlementTheStoreMadeButReportedFailedIsNotChargedAgainWhenRetried() {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000));
    AnsweredThenFailed flaky = new AnsweredThenFailed();
    ApiBilling billing =
        ApiBilling.builder().store(flaky).clock(clock).leases(SETTINGS).manualLeaseSweeps().build();
    billing.updateClientQuotas(CLIENT, quotas);
    for (int i = 0; i < 40; i++) {
      billing.trackClientUsage(CLIENT, 1 + i % 3);
    }
    assertThat(billing.leaseStats().localDecisions()).isPositive();
    flaky.failing = true;
    billing.settleLeases();
    flaky.failing = false;
    assertThat(flaky.keptButFailed).as("credits kept by settlements reported failed").isPositive();
    billing.sweepLeases();
    assertThat(stored(quotas, 0)).as("the retry finds the chunk settled").isEqualTo(79);
    billing.close();
    assertThat(stored(quotas, 0)).isEqualTo(79);
  }

  @Test
  void closeWaitsForTheChunkSettlementTheSweeperIsMaking() throws InterruptedException {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000));
    HeldOnSweeper held = new HeldOnSweeper();
    ApiBilling billing = ApiBilling.builder().store(held).clock(clock).leases(SETTINGS).build();
    billing.updateClientQuotas(CLIENT, quotas);
    long granted = 0;
    for (int i = 0; i < 41; i++) {
      granted += billing.trackClientUsage(CLIENT, 3).requested();
    }
    clock.advance(Duration.ofMillis(1100));
    held.from = clock.millis();
    granted += billing.trackClientUsage(CLIENT, 3).requested();
    Thread closer = new Thread(billing::close);
    try {
      assertThat(held.entered.await(30, TimeUnit.SECONDS)).as("the sweeper settles the spent chunk").isTrue();
      closer.start();
      // until close has returned, or waits (for the sweeper): only then may the held settlement go on
      Thread.State state;
      while ((state = closer.getState()) != Thread.State.TERMINATED && state != Thread.State.TIMED_WAITING) {
        Thread.onSpinWait();
      }
      if (state == Thread.State.TERMINATED) {
        assertThat(stored(quotas, 0)).as("counted when close returned").isEqualTo(granted);
      }
    } finally {
      held.proceed.countDown();
    }
    closer.join();
    assertThat(stored(quotas, 0)).isEqualTo(granted);
  }

  /**
   * Holds the settlements made on the lease sweeper's thread from {@link #from} on until {@link #proceed},
   * interrupts ignored.
   */
  private final class HeldOnSweeper extends ForwardingUsageStore {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch proceed = new CountDownLatch(1);
    volatile long from = Long.MAX_VALUE;

    @Override
    protected UsageStore delegate() {
      return store;
    }

    @Override
    public boolean settle(SettleRequest request) {
      if (request.now() >= from && Thread.currentThread().getName().equals("apibilling-leases")) {
        entered.countDown();
        boolean interrupted = false;
        while (proceed.getCount() > 0) {
          try {
            proceed.await();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
      return super.settle(request);
    }
  }

  /**
   * Settles in the store, then fails while {@link #failing}: as a call that timed out or was interrupted
   * after it was sent.
   */
  private final class AnsweredThenFailed extends ForwardingUsageStore {
    volatile boolean failing;
    long keptButFailed;

    @Override
    protected UsageStore delegate() {
      return store;
    }

    @Override
    public boolean settle(SettleRequest request) {
      boolean settled = super.settle(request);
      if (failing) {
        keptButFailed += request.actualCredits();
        throw new UsageStoreException("no answer in time");
      }
      return settled;
    }
  }

  @Test
  void rejectsATtlShorterThanTwoSpans() {
    assertThatThrownBy(() -> LeaseSettings.defaults().withTtl(Duration.ofMillis(1_500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("leases.ttl must be >= 2 x leases.span (PT2S) but was PT1.5S");
  }
}
