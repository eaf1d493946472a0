package dev.apibilling;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.tck.ForwardingUsageStore;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.SwitchableStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class SettlementRetryTest {

  private final MutableClock clock = MutableClock.at("2026-03-02T10:00:00Z");
  private final InMemoryUsageStore memory = InMemoryUsageStore.create();
  private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
  private final BillingListener recorder = new BillingListener() {
    @Override
    public void onSettlementRetry(String clientId, String operation, String outcome, long credits) {
      events.add(operation + " " + outcome);
    }
  };
  private ApiBilling billing;

  @AfterEach
  void close() {
    if (billing != null) {
      billing.close();
    }
  }

  private ApiBilling billing(UsageStore store, int maxPending) {
    billing = ApiBilling.builder().store(store).clock(clock).listener(recorder)
        .maxPendingSettlements(maxPending).build();
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 100)));
    return billing;
  }

  private long used() {
    return billing.status("acme").quotas().get(0).used();
  }

  /** Waits (bounded) for the retry thread to report {@code event}; skips the events before it. */
  private void await(String event) throws InterruptedException {
    for (String e; (e = events.poll(10, TimeUnit.SECONDS)) != null; ) {
      if (e.equals(event)) {
        return;
      }
    }
    throw new AssertionError("no '" + event + "' within 10 s");
  }

  @Test
  void defaultReservationTtlIsThirtySecondsAndALongHandlerAsksForMore() {
    ApiBilling b = billing(memory, 10);
    Reservation r = b.reserve(Charge.of("acme", 1)).reservation().orElseThrow();
    assertThat(r.expiresAt()).isEqualTo(clock.instant().plusSeconds(30));
    Reservation longer = b.reserve(Charge.of("acme", 1), Duration.ofMinutes(5)).reservation().orElseThrow();
    assertThat(longer.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    assertThatThrownBy(() -> b.reserve(Charge.of("acme", 1), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be > 0 but was PT0S");
  }

  @Test
  void commitTheStoreFailedIsRetriedUntilItAnswers() throws InterruptedException {
    SwitchableStore store = new SwitchableStore(memory);
    ApiBilling b = billing(store, 10);
    Reservation r = b.reserve(Charge.of("acme", 5)).reservation().orElseThrow();
    store.fail(true);
    assertThatThrownBy(() -> b.commit(r, 3)).isInstanceOf(UsageStoreException.class);
    assertThat(b.faults().pending()).isEqualTo(1);
    store.fail(false);
    await("commit settled");
    assertThat(used()).isEqualTo(3);
    assertThat(b.faults()).isEqualTo(new StoreFaults(0, 1, 0, 0, 0, 0));
    assertThat(b.commit(r, 3)).isFalse(); // settled once: the retry did it
  }

  @Test
  void reserveAppliedButUnansweredIsGivenBack() throws InterruptedException {
    // the store records the reservation, then the answer is lost: what a timeout on a frozen link does
    UsageStore lostAnswers = new Over(memory) {
      @Override
      public ChargeResult charge(ChargeRequest request) {
        super.charge(request);
        throw new UsageStoreException("answer lost (simulated)");
      }
    };
    ApiBilling b = billing(lostAnswers, 10);
    assertThatThrownBy(() -> b.reserve(Charge.of("acme", 7))).isInstanceOf(UsageStoreException.class);
    await("compensate settled");
    assertThat(used()).isZero();
    assertThat(b.faults().settled()).isEqualTo(1);
  }

  @Test
  void releaseOfAReserveNeverAppliedChangesNothingAndEndsAtExpiry() throws InterruptedException {
    SwitchableStore store = new SwitchableStore(memory);
    UsageStore answers = new Over(store) {
      @Override
      public boolean settle(SettleRequest request) {
        boolean gaveBack = super.settle(request);
        events.add("store answered " + gaveBack);
        return gaveBack;
      }
    };
    ApiBilling b = billing(answers, 10);
    b.trackClientUsage("acme", 2);
    store.fail(true);
    assertThatThrownBy(() -> b.reserve(Charge.of("acme", 7))).isInstanceOf(UsageStoreException.class);
    store.fail(false);
    await("store answered false"); // unknown id: nothing given back, asked again until expiry
    await("store answered false");
    assertThat(used()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(31));
    await("compensate settled");
    assertThat(used()).isEqualTo(2);
    assertThat(b.faults()).isEqualTo(new StoreFaults(0, 1, 0, 0, 0, 0));
  }

  @Test
  void commitStillFailingWhenItsReservationExpiresIsCountedUnsettled() throws InterruptedException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SwitchableStore store = new SwitchableStore(memory);
    billing = ApiBilling.builder().store(store).clock(clock).metrics(BillingMetrics.monitor(registry)).listener(recorder).build();
    billing.updateClientQuotas("acme", List.of(QuotaDefinition.of(DAY, 100)));
    Reservation r = billing.reserve(Charge.of("acme", 5)).reservation().orElseThrow();
    store.fail(true);
    assertThatThrownBy(() -> billing.commit(r, 4)).isInstanceOf(UsageStoreException.class);
    clock.set(r.expiresAt());
    await("commit unsettled");
    assertThat(billing.faults()).isEqualTo(new StoreFaults(0, 0, 1, 0, 4, 0));
    assertThat(registry.get("apibilling.settlements").tags("operation", "commit", "outcome", "unsettled")
        .counter().count()).isEqualTo(1);
    assertThat(registry.get("apibilling.settlements.unsettled.credits").counter().count()).isEqualTo(4);
  }

  @Test
  void waitingSettlementsAreBoundedAndTheOverflowCounted() {
    SwitchableStore store = new SwitchableStore(memory);
    ApiBilling b = billing(store, 2);
    List<Reservation> held = List.of(
        b.reserve(Charge.of("acme", 1)).reservation().orElseThrow(),
        b.reserve(Charge.of("acme", 2)).reservation().orElseThrow(),
        b.reserve(Charge.of("acme", 3)).reservation().orElseThrow());
    store.fail(true);
    for (Reservation r : held) {
      assertThatThrownBy(() -> b.commit(r, r.credits())).isInstanceOf(UsageStoreException.class);
    }
    assertThat(b.faults().pending()).isEqualTo(2);
    assertThat(b.faults().dropped()).isEqualTo(1);
    assertThat(b.faults().unsettledCredits()).isEqualTo(3);
    assertThat(events).contains("commit dropped");
  }

  @Test
  void secondSettlementOfAWaitingReservationIsNotQueuedAgain() throws InterruptedException {
    SwitchableStore store = new SwitchableStore(memory);
    ApiBilling b = billing(store, 10);
    Reservation r = b.reserve(Charge.of("acme", 5)).reservation().orElseThrow();
    store.fail(true);
    assertThatThrownBy(() -> b.commit(r, 5)).isInstanceOf(UsageStoreException.class);
    assertThatThrownBy(() -> b.release(r)).isInstanceOf(UsageStoreException.class);
    assertThat(b.faults().pending()).isEqualTo(1);
    store.fail(false);
    await("commit settled");
    assertThat(used()).isEqualTo(5);
  }

  @Test
  void servedUnbilledIsCountedAndMetered() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ApiBilling b = ApiBilling.builder().store(memory).clock(clock).metrics(BillingMetrics.monitor(registry)).build();
    b.servedUnbilled("acme", 5);
    b.servedUnbilled("acme", 1);
    assertThat(b.faults().servedUnbilled()).isEqualTo(2);
    assertThat(registry.get("apibilling.unbilled").counter().count()).isEqualTo(2);
    assertThat(registry.get("apibilling.unbilled.credits").counter().count()).isEqualTo(6);
    assertThat(Instant.ofEpochMilli(clock.millis())).isEqualTo(clock.instant());
  }

  /** A store forwarding to another, for tests that change one call. */
  private abstract static class Over extends ForwardingUsageStore {
    private final UsageStore delegate;

    Over(UsageStore delegate) {
      this.delegate = delegate;
    }

    @Override
    protected UsageStore delegate() {
      return delegate;
    }
  }
}
