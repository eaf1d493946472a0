package dev.apibilling;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The forecasts' lock-free observations (a billing without listeners, several decisions in one
 * millisecond) report the same whichever threads make the decisions, and the same as observing every
 * decision (a billing with a listener does): the next observation under the lock must date the credits of
 * the skipped decisions to their millisecond, whichever thread made them.
 */
final class ForecastShortcutTest {

  private static final List<QuotaDefinition> QUOTAS =
      List.of(QuotaDefinition.of(MINUTE, 100_000_000), QuotaDefinition.of(DAY, 1_000_000_000));

  private final MutableClock clock = MutableClock.at("2026-03-10T08:00:00Z");
  private final ExecutorService a = Executors.newSingleThreadExecutor();
  private final ExecutorService b = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    a.shutdownNow();
    b.shutdownNow();
  }

  private ApiBilling billing() {
    return billing(QUOTAS);
  }

  private ApiBilling billing(List<QuotaDefinition> quotas) {
    ApiBilling billing = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock).build();
    billing.updateClientQuotas("acme", quotas);
    return billing;
  }

  private static <T> T on(ExecutorService thread, Callable<T> call) throws Exception {
    return thread.submit(call).get();
  }

  /** The same script on two threads, taking turns, with reservations given back within a millisecond. */
  private List<ClientStatus> script(ApiBilling billing, ExecutorService a, ExecutorService b) throws Exception {
    clock.set(Instant.parse("2026-03-10T08:00:00Z"));
    List<ClientStatus> seen = new ArrayList<>();
    for (int ms = 0; ms < 60; ms++) {
      clock.advance(Duration.ofMillis(1 + ms % 7 * 250));
      int step = ms;
      on(a, () -> billing.tryTrackClientUsage("acme", 1 + step % 3));
      Reservation r = on(a, () -> billing.reserve(Charge.of("acme", 50)).reservation().orElseThrow());
      on(b, () -> billing.tryTrackClientUsage("acme", 2));
      on(a, () -> step % 2 == 0 ? billing.release(r) : billing.commit(r, 7));
      on(b, () -> billing.tryTrackClientUsage("acme", 1));
      if (ms % 5 == 4) {
        seen.add(on(b, () -> billing.status("acme")));
      }
    }
    clock.advance(Duration.ofSeconds(3));
    seen.add(on(a, () -> billing.status("acme")));
    return seen;
  }

  @Test
  void threadsTakingTurnsWithinAMillisecondGetTheForecastsOfOneThread() throws Exception {
    List<ClientStatus> oneThread = script(billing(), a, a);
    List<ClientStatus> twoThreads = script(billing(), a, b);
    assertThat(twoThreads).isEqualTo(oneThread);
    assertThat(twoThreads.get(twoThreads.size() - 1).quotas().get(0).used()).isEqualTo(510);
  }

  /**
   * Charges of an operation see more quotas than plain ones, so the client's tracks change between
   * decisions of one millisecond and come back with what was recorded while they were last in use.
   */
  @Test
  void threadsTakingTurnsBetweenAnOperationAndPlainChargesGetTheForecastsOfOneThread() throws Exception {
    List<QuotaDefinition> quotas = List.of(QuotaDefinition.of(MINUTE, 100_000_000),
        QuotaDefinition.of(MINUTE, 100_000_000).forOperation("search"));
    List<List<ClientStatus>> runs = new ArrayList<>();
    for (ExecutorService second : List.of(a, b)) {
      ApiBilling billing = billing(quotas);
      clock.set(Instant.parse("2026-03-10T08:00:00Z"));
      List<ClientStatus> seen = new ArrayList<>();
      for (int ms = 0; ms < 40; ms++) {
        clock.advance(Duration.ofMillis(1 + ms % 5 * 300));
        on(a, () -> billing.tryTrackClientUsage("acme", 2));
        on(second, () -> billing.tryTrackClientUsage("acme", 1));
        on(a, () -> billing.tryCharge(Charge.of("acme", 3).operation("search")));
        on(second, () -> billing.tryCharge(Charge.of("acme", 1).operation("search")));
        on(a, () -> billing.tryTrackClientUsage("acme", 1));
        if (ms % 4 == 3) {
          seen.add(on(second, () -> billing.status("acme")));
        }
      }
      clock.advance(Duration.ofSeconds(2));
      seen.add(on(a, () -> billing.status("acme")));
      runs.add(seen);
    }
    assertThat(runs.get(1)).isEqualTo(runs.get(0));
    assertThat(runs.get(1).get(runs.get(1).size() - 1).quotas().get(1).used()).isEqualTo(40 * 4);
  }

  @Test
  void twoThreadsDecidingInOneMillisecondLeaveTheLatestCountForTheNextOne() throws Exception {
    for (int round = 0; round < 20; round++) {
      clock.set(Instant.parse("2026-03-10T08:00:00Z").plusSeconds(round));
      ApiBilling reference = billing();
      ApiBilling hammered = billing();
      reference.tryTrackClientUsage("acme", 1);
      hammered.tryTrackClientUsage("acme", 1);
      int perThread = 5_000;
      for (int i = 0; i < 2 * perThread; i++) {
        reference.tryTrackClientUsage("acme", 1);
      }
      CyclicBarrier start = new CyclicBarrier(2);
      Callable<Void> hammer = () -> {
        start.await();
        for (int i = 0; i < perThread; i++) {
          hammered.tryTrackClientUsage("acme", 1);
        }
        return null;
      };
      Future<Void> first = a.submit(hammer);
      Future<Void> second = b.submit(hammer);
      first.get();
      second.get();
      clock.advance(Duration.ofMillis(1500));
      ClientStatus expected = reference.status("acme");
      assertThat(expected.quotas().get(0).used()).isEqualTo(1 + 2 * perThread);
      assertThat(hammered.status("acme")).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void skippedDecisionsWeighAsOfTheirMillisecondNotTheNextObservation() {
    ApiBilling skipping = billing();
    ApiBilling observingAll = ApiBilling.builder().store(InMemoryUsageStore.create()).clock(clock)
        .listener(new BillingListener() {}).build();
    observingAll.updateClientQuotas("acme", QUOTAS);
    for (int burst = 0; burst < 6; burst++) {
      for (ApiBilling billing : List.of(skipping, observingAll)) {
        for (int i = 0; i < 500 * (burst + 1); i++) {
          billing.tryTrackClientUsage("acme", 1 + i % 3);
        }
      }
      // a quiet gap of 2 to 12 seconds, then one decision (or, every other burst, only a status read)
      clock.advance(Duration.ofSeconds(2 + 2L * burst));
      if (burst % 2 == 0) {
        skipping.tryTrackClientUsage("acme", 5);
        observingAll.tryTrackClientUsage("acme", 5);
      }
      ClientStatus expected = observingAll.status("acme");
      ClientStatus actual = skipping.status("acme");
      for (int q = 0; q < QUOTAS.size(); q++) {
        QuotaForecast e = expected.quotas().get(q).forecastIfKnown().orElseThrow();
        QuotaForecast f = actual.quotas().get(q).forecastIfKnown().orElseThrow();
        assertThat(f.creditsPerSecond()).as("burst %d quota %d", burst, q)
            .isCloseTo(e.creditsPerSecond(), org.assertj.core.data.Percentage.withPercentage(1e-6));
        assertThat(f.projectedUsed()).isCloseTo(e.projectedUsed(), org.assertj.core.data.Offset.offset(1L));
      }
      clock.advance(Duration.ofMillis(1));
    }
  }
}
