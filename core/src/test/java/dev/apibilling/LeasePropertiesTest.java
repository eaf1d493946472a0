package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random interleavings of two leasing instances on one store (charges, keyed charges, reservations,
 * clock moves across lease spans, TTLs and window ends, sweeps, settlements, and crashes: an instance
 * abandoned with its leases open and replaced by a new one) against a model of what was granted: no window
 * ever holds more granted credits than its limit; once every lease is settled the store counts exactly what
 * was granted, or, after a crash, at least that (a crashed instance's unused chunk stays counted).
 */
final class LeasePropertiesTest {

  private static final String CLIENT = "acme";
  private static final List<QuotaDefinition> QUOTAS = List.of(
      QuotaDefinition.of(QuotaDuration.SECOND, 30).named("second"),
      QuotaDefinition.of(QuotaDuration.MINUTE, 200).named("minute"),
      QuotaDefinition.of(QuotaDuration.DAY, 1_000_000).named("day"));
  private static final LeaseSettings SETTINGS = new LeaseSettings(Duration.ofSeconds(1), Duration.ofSeconds(2),
      3, 0.5, 1);

  /** One step: what, by which instance, how much. */
  record Op(int kind, int instance, int amount) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op = Combinators.combine(
        Arbitraries.frequency(List.of(
            Tuple.of(12, 0), Tuple.of(2, 1), Tuple.of(2, 2),
            Tuple.of(4, 3), Tuple.of(1, 4), Tuple.of(1, 5),
            Tuple.of(1, 6), Tuple.of(1, 7))),
        Arbitraries.integers().between(0, 1),
        Arbitraries.integers().between(1, 400)).as(Op::new);
    return op.list().ofMinSize(50).ofMaxSize(400);
  }

  @Property(tries = 200)
  void grantedNeverExceedsALimitAndSettledUsageEqualsGranted(@ForAll("ops") List<Op> ops) {
    MutableClock clock = MutableClock.at("2026-03-10T10:15:30.250Z");
    InMemoryUsageStore store = InMemoryUsageStore.create();
    ApiBilling[] instances = {instance(store, clock), instance(store, clock)};
    Map<String, Long> granted = new HashMap<>();
    int keys = 0;
    boolean crashed = false;
    for (Op op : ops) {
      ApiBilling b = instances[op.instance()];
      long credits = 1 + op.amount() % 5;
      switch (op.kind()) {
        case 0 -> count(granted, b.tryTrackClientUsage(CLIENT, credits), credits);
        case 1 -> count(granted, b.tryCharge(Charge.of(CLIENT, credits).idempotencyKey("k" + keys++)), credits);
        case 2 -> {
          BillingDecision d = b.reserve(Charge.of(CLIENT, credits));
          if (d.granted()) {
            long actual = op.amount() % (credits + 1);
            assertThat(b.commit(d.reservation().orElseThrow(), actual)).isTrue();
            count(granted, d, actual);
          }
        }
        case 3 -> {
          clock.advance(Duration.ofMillis(op.amount()));
          for (ApiBilling i : instances) {
            i.sweepLeases();
          }
        }
        case 4 -> b.sweepLeases();
        case 5 -> b.settleLeases();
        case 7 -> {
          instances[op.instance()] = instance(store, clock);
          crashed = true;
        }
        default -> assertThat(b.check(CLIENT, credits).granted())
            .as("a check agrees with the next charge")
            .isEqualTo(count(granted, b.tryTrackClientUsage(CLIENT, credits), credits));
      }
      for (QuotaDefinition q : QUOTAS) {
        granted.forEach((window, total) -> {
          if (window.startsWith(q.policy() + "@")) {
            assertThat(total).as("granted in %s", window).isLessThanOrEqualTo(q.limit());
          }
        });
      }
    }
    for (ApiBilling b : instances) {
      b.close();
    }
    long now = clock.millis();
    List<WindowSlot> slots = new Plan(QUOTAS).windows(now).slots;
    long[] used = store.usage(CLIENT, slots, now);
    for (int i = 0; i < slots.size(); i++) {
      WindowSlot w = slots.get(i);
      long total = granted.getOrDefault(w.policy() + "@" + w.start(), 0L);
      if (crashed) {
        assertThat(used[i]).as("store count of %s after a crash", w.policy()).isGreaterThanOrEqualTo(total);
      } else {
        assertThat(used[i]).as("store count of %s", w.policy()).isEqualTo(total);
      }
    }
  }

  private static ApiBilling instance(InMemoryUsageStore store, MutableClock clock) {
    ApiBilling b = ApiBilling.builder().store(store).clock(clock).leases(SETTINGS).manualLeaseSweeps().build();
    b.updateClientQuotas(CLIENT, QUOTAS);
    return b;
  }

  private static boolean count(Map<String, Long> granted, BillingDecision d, long credits) {
    if (d.granted() && !d.replayed()) {
      for (QuotaState q : d.quotas()) {
        granted.merge(q.policy() + "@" + q.windowStart().toEpochMilli(), credits, Long::sum);
      }
    }
    return d.granted();
  }
}
