package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.LeaseSettings;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * Leased budgets over a store: two {@link ApiBilling} instances (each with its own store object) hammer
 * one client from many threads with leases on, mixed costs, reservations committed in part or released,
 * while the clock crosses minute windows. The credits granted in each window never exceed its limit, and
 * once both instances have settled their leases the store counts exactly what was granted. A store's
 * test extends this class and implements {@link #newStore()} as for {@link UsageStoreContract}.
 */
public abstract class LeaseContract {

  /** Per minute; low enough that every minute runs out. */
  protected static final long MINUTE_LIMIT = 3_000;
  private static final int THREADS = 8;
  private static final int OPS = 1_500;
  /**
   * A TTL longer than the whole run in clock time: the clock here runs thousands of times faster than
   * real time, so a thread descheduled for a few real milliseconds would otherwise look like an instance
   * stalled past its TTL (the case {@link LeaseSettings} bounds separately).
   */
  private static final LeaseSettings LEASES =
      LeaseSettings.defaults().withHotDecisions(8).withTtl(Duration.ofHours(1));

  protected final MutableClock clock = MutableClock.at("2026-03-10T10:15:50Z");
  /**
   * Each decision (its clock read and its store call) runs between two clock moves, as stores need of
   * callers: a store forgets a window once a caller's time has passed its end.
   */
  private final ReentrantReadWriteLock ticks = new ReentrantReadWriteLock();
  private final String client = "lease-" + UUID.randomUUID().toString().substring(0, 8);
  private final List<QuotaDefinition> quotas = List.of(
      QuotaDefinition.of(QuotaDuration.MINUTE, MINUTE_LIMIT).named("minute"),
      QuotaDefinition.of(QuotaDuration.DAY, 100_000_000).named("day"));

  /** A store object over the backend under test, sharing data with every other one it returns. */
  protected abstract UsageStore newStore();

  private ApiBilling instance(UsageStore store) {
    ApiBilling b = ApiBilling.builder().store(store).clock(clock)
        .leases(LEASES).build();
    b.updateClientQuotas(client, quotas);
    return b;
  }

  @Test
  void twoLeasingInstancesNeverGrantMoreThanALimitAndTheStoreCountsExactlyWhatWasGranted() throws Exception {
    UsageStore first = newStore();
    UsageStore second = newStore();
    ApiBilling[] instances = {instance(first), instance(second)};
    Map<String, LongAdder> granted = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        done.add(pool.submit(() -> hammer(instances[thread % 2], thread, granted)));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long local = instances[0].leaseStats().localDecisions() + instances[1].leaseStats().localDecisions();
    for (ApiBilling b : instances) {
      b.close();
    }
    granted.forEach((window, total) -> {
      if (window.startsWith("minute@")) {
        assertThat(total.sum()).as("granted in %s", window).isLessThanOrEqualTo(MINUTE_LIMIT);
      }
    });
    assertThat(granted.keySet().stream().filter(w -> w.startsWith("minute@")).count())
        .as("minute windows crossed").isGreaterThanOrEqualTo(2);
    assertThat(local).as("decisions made from leases").isPositive();
    long now = clock.millis();
    try (UsageStore reader = newStore()) {
      for (QuotaDefinition q : quotas) {
        WindowSlot slot = slotOf(q, now);
        long[] used = reader.usage(client, List.of(slot), now);
        LongAdder total = granted.get(q.policy() + "@" + slot.start());
        assertThat(used[0]).as("store count of %s", q.policy()).isEqualTo(total == null ? 0 : total.sum());
      }
    }
    first.close();
    second.close();
  }

  private WindowSlot slotOf(QuotaDefinition q, long now) {
    ApiBilling probe = ApiBilling.builder().clock(clock).build();
    probe.updateClientQuotas(client, List.of(q));
    QuotaState s = probe.status(client).quotas().get(0);
    probe.close();
    return new WindowSlot(q.policy(), s.windowStart().toEpochMilli(), s.resetAt().toEpochMilli(), q.limit());
  }

  private void hammer(ApiBilling billing, int thread, Map<String, LongAdder> granted) {
    SplittableRandom random = new SplittableRandom(thread);
    for (int i = 0; i < OPS; i++) {
      if (thread == 0 && i % 10 == 0) {
        ticks.writeLock().lock();
        try {
          clock.advance(Duration.ofMillis(500));
        } finally {
          ticks.writeLock().unlock();
        }
      }
      ticks.readLock().lock();
      try {
        step(billing, random, granted);
      } finally {
        ticks.readLock().unlock();
      }
    }
  }

  private void step(ApiBilling billing, SplittableRandom random, Map<String, LongAdder> granted) {
    long credits = 1 + random.nextInt(3);
    int kind = random.nextInt(10);
    if (kind < 8) {
      count(granted, billing.tryTrackClientUsage(client, credits), credits);
      return;
    }
    BillingDecision d = billing.reserve(Charge.of(client, credits));
    if (d.granted()) {
      long actual = kind == 8 ? 0 : random.nextInt((int) credits + 1);
      if (billing.commit(d.reservation().orElseThrow(), actual)) {
        count(granted, d, actual);
      }
    }
  }


  private static void count(Map<String, LongAdder> granted, BillingDecision d, long credits) {
    if (d.granted() && credits > 0) {
      for (QuotaState q : d.quotas()) {
        granted.computeIfAbsent(q.policy() + "@" + q.windowStart().toEpochMilli(), k -> new LongAdder())
            .add(credits);
      }
    }
  }
}
