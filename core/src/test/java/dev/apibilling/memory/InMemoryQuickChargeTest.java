package dev.apibilling.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.DailyUsage;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hammers on the store's lock-free path for plain charges ({@link InMemoryUsageStore#chargeQuickly}):
 * several threads charge one client while its minute window ends (the test's clock is moved mid-run) and
 * while status reads cool its state, and the totals granted must be exact in every window and in the
 * day's history.
 */
final class InMemoryQuickChargeTest {

  private static final String CLIENT = "quick-hammer";
  private static final Instant MINUTE_A = Instant.parse("2026-03-10T10:15:00Z");
  private static final Instant MINUTE_B = MINUTE_A.plusSeconds(60);
  private static final long MINUTE_LIMIT = 4_000;
  private static final long DAY_LIMIT = 5_000;
  /** Grants before the clock is moved past the first minute's end. */
  private static final long SWITCH_AFTER = 1_500;

  private final MutableClock clock = new MutableClock(MINUTE_A.plusSeconds(30));
  private final InMemoryUsageStore store =
      InMemoryUsageStore.builder().sweepInterval(Duration.ofDays(365)).build();

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {2, 8})
  void quickChargesGrantExactlyTheLimitsAcrossAWindowEnd(int threads) throws Exception {
    long dayStart = Instant.parse("2026-03-10T00:00:00Z").toEpochMilli();
    long epochDay = LocalDate.of(2026, 3, 10).toEpochDay();
    WindowSlot day = new WindowSlot("day", dayStart, dayStart + 86_400_000L, DAY_LIMIT);
    List<WindowSlot> first = List.of(slot(MINUTE_A), day);
    List<WindowSlot> second = List.of(slot(MINUTE_B), day);
    AtomicLong grantedFirst = new AtomicLong();
    AtomicLong grantedSecond = new AtomicLong();
    AtomicLong quick = new AtomicLong();
    AtomicLong all = new AtomicLong();

    hammer(threads, 16_000 / threads, i -> {
      long now = clock.millis();
      List<WindowSlot> slots = now < MINUTE_B.toEpochMilli() ? first : second;
      if (i % 97 == 0) {
        store.usage(CLIENT, slots, now); // cools the state: the next charge heats it again under the lock
      }
      if (charge(slots, 1, epochDay, now, quick)) {
        (slots == first ? grantedFirst : grantedSecond).incrementAndGet();
        if (all.incrementAndGet() == SWITCH_AFTER) {
          clock.set(MINUTE_B);
        }
      }
    });

    long now = clock.millis();
    assertThat(grantedFirst.get() + grantedSecond.get()).isEqualTo(DAY_LIMIT);
    assertThat(store.usage(CLIENT, first, now)).containsExactly(grantedFirst.get(), DAY_LIMIT);
    assertThat(store.usage(CLIENT, second, now)).containsExactly(grantedSecond.get(), DAY_LIMIT);
    assertThat(grantedFirst.get()).isGreaterThanOrEqualTo(SWITCH_AFTER).isLessThanOrEqualTo(MINUTE_LIMIT);
    assertThat(grantedSecond.get()).isPositive().isLessThanOrEqualTo(MINUTE_LIMIT);
    assertThat(store.history(CLIENT, epochDay, epochDay))
        .containsExactly(new DayTotal(epochDay, DAY_LIMIT));
    assertThat(quick.get()).as("charges granted without the lock").isPositive();
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {2, 8})
  void quickChargesOfOneWindowGrantExactlyItsLimit(int threads) throws Exception {
    long epochDay = LocalDate.of(2026, 3, 10).toEpochDay();
    List<WindowSlot> first = List.of(slot(MINUTE_A));
    List<WindowSlot> second = List.of(slot(MINUTE_B));
    AtomicLong grantedFirst = new AtomicLong();
    AtomicLong grantedSecond = new AtomicLong();
    AtomicLong quick = new AtomicLong();
    AtomicLong all = new AtomicLong();

    hammer(threads, 16_000 / threads, i -> {
      long now = clock.millis();
      List<WindowSlot> slots = now < MINUTE_B.toEpochMilli() ? first : second;
      if (i % 89 == 0) {
        store.usage(CLIENT, slots, now); // cools the state
      }
      long credits = 1 + i % 3;
      if (charge(slots, credits, epochDay, now, quick)) {
        (slots == first ? grantedFirst : grantedSecond).addAndGet(credits);
        if (all.incrementAndGet() == SWITCH_AFTER) {
          clock.set(MINUTE_B);
        }
      }
    });

    long now = clock.millis();
    assertThat(store.usage(CLIENT, first, now)).containsExactly(grantedFirst.get());
    assertThat(store.usage(CLIENT, second, now)).containsExactly(grantedSecond.get());
    assertThat(grantedFirst.get()).isLessThanOrEqualTo(MINUTE_LIMIT);
    // 1, 2 or 3 credits a charge: the second minute is refused only within 2 credits of its limit
    assertThat(grantedSecond.get()).isBetween(MINUTE_LIMIT - 2, MINUTE_LIMIT);
    assertThat(store.history(CLIENT, epochDay, epochDay))
        .containsExactly(new DayTotal(epochDay, grantedFirst.get() + grantedSecond.get()));
    assertThat(quick.get()).as("charges granted without the lock").isPositive();
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {2, 8})
  void billingOnTheQuickPathCountsEveryGrantInItsWindow(int threads) throws Exception {
    try (ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas(CLIENT, List.of(QuotaDefinition.of(QuotaDuration.MINUTE, MINUTE_LIMIT),
          QuotaDefinition.of(QuotaDuration.DAY, DAY_LIMIT)));
      Map<Instant, AtomicLong> grantedByMinute = new ConcurrentHashMap<>();
      AtomicLong all = new AtomicLong();

      hammer(threads, 16_000 / threads, i -> {
        BillingDecision d = billing.tryTrackClientUsage(CLIENT, 1);
        if (d.granted()) {
          QuotaState minute = d.quotas().get(0);
          grantedByMinute.computeIfAbsent(minute.windowStart(), w -> new AtomicLong()).incrementAndGet();
          if (all.incrementAndGet() == SWITCH_AFTER) {
            clock.set(MINUTE_B);
          }
        }
      });

      assertThat(grantedByMinute.keySet()).containsExactlyInAnyOrder(MINUTE_A, MINUTE_B);
      assertThat(grantedByMinute.get(MINUTE_A).get() + grantedByMinute.get(MINUTE_B).get()).isEqualTo(DAY_LIMIT);
      List<QuotaState> now = billing.status(CLIENT).quotas();
      assertThat(now.get(0).used()).isEqualTo(grantedByMinute.get(MINUTE_B).get());
      assertThat(now.get(1).used()).isEqualTo(DAY_LIMIT);
      assertThat(store.usage(CLIENT, List.of(slot(MINUTE_A)), clock.millis()))
          .containsExactly(grantedByMinute.get(MINUTE_A).get());
      assertThat(billing.usageHistory(CLIENT, LocalDate.of(2026, 3, 10), LocalDate.of(2026, 3, 10)))
          .containsExactly(new DailyUsage(LocalDate.of(2026, 3, 10), DAY_LIMIT));
    }
  }

  @Test
  void aQuickChargeThroughTheHandleOfAnEvictedClientIsCountedInItsNewState() {
    InMemoryUsageStore small = InMemoryUsageStore.builder().maximumClients(1).build();
    try (ApiBilling billing = ApiBilling.builder().store(small).clock(clock).build()) {
      List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(QuotaDuration.MINUTE, MINUTE_LIMIT));
      billing.updateClientQuotas(CLIENT, quotas);
      billing.trackClientUsage(CLIENT, 1); // the full call makes the client's state
      billing.trackClientUsage(CLIENT, 1); // a quick one: the client's plan keeps the state's handle
      Object handle = small.quickHandle(CLIENT);
      for (int i = 0; small.quickHandle(CLIENT) == handle; i++) {
        assertThat(i).as("clients added to evict the first one").isLessThan(100);
        String other = "other-" + i;
        billing.updateClientQuotas(other, quotas);
        billing.trackClientUsage(other, 1);
        for (int j = 0; j < 16; j++) {
          billing.status(other); // each a read of the cache, so the newcomer looks busier
        }
        small.sweep(clock.millis()); // the cache evicts now
      }

      billing.trackClientUsage(CLIENT, 2); // through the stale handle: refused there, counted by the full call
      billing.trackClientUsage(CLIENT, 3);
      assertThat(billing.status(CLIENT).quotas().get(0).used()).as("the evicted 2 credits went with the state")
          .isEqualTo(5);
    }
  }

  /** A plain charge as the store's caller makes it: the quick path (counted in {@code quick}), else the full call. */
  private boolean charge(List<WindowSlot> slots, long credits, long epochDay, long now, AtomicLong quick) {
    Object handle = store.quickHandle(CLIENT);
    if (handle != null && store.chargeQuickly(handle, CLIENT, slots, credits, epochDay, now) != null) {
      quick.incrementAndGet();
      return true;
    }
    return store.charge(new ChargeRequest(CLIENT, slots, credits, ChargeMode.CHARGE, null, 0, null, 0, epochDay,
        Map.of(), now)).granted();
  }

  private static WindowSlot slot(Instant minuteStart) {
    return new WindowSlot("minute", minuteStart.toEpochMilli(), minuteStart.toEpochMilli() + 60_000, MINUTE_LIMIT);
  }

  private interface Attempt {
    void run(int i);
  }

  /** Runs {@code attempts} attempts on each of {@code threads} threads, all started together. */
  private static void hammer(int threads, int attempts, Attempt attempt) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < attempts; i++) {
            attempt.run(i);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
