package dev.apibilling.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingListener;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.Reservation;
import dev.apibilling.StoreFaults;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a remote store must survive: its link to the server cut (connections closed) or frozen (bytes
 * held, then delivered late), with requests in flight. A store's test extends this class and opens a
 * store, with its default deadline, through a {@link TcpProxy} the test controls.
 *
 * <p>For each fault it proves: every call made during the fault ends (answered or failed) within the
 * store's deadline; after the link is back and at most one reservation TTL (moved on a
 * {@link MutableClock}), the store's usage equals the credits of exactly the requests answered as billed
 * (granted, then committed), so nothing is held and nothing is lost; and it prints the figures the
 * store's README reports (a line starting with {@code fault-figures}).
 */
public abstract class StoreFaultContract {

  /** The reservation TTL of the billing under test: {@link ApiBilling}'s default. */
  private static final Duration TTL = Duration.ofSeconds(30);
  /** Scheduling noise on a busy machine, on top of the deadline. */
  private static final Duration SLACK = Duration.ofMillis(400);
  private static final int CALLS_DURING_FAULT = 6;

  /** How the link fails. */
  public enum Fault {
    /** Connections closed, new ones refused. */
    CUT,
    /** Nothing forwarded, nothing closed, for as long as the calls take; then delivered late. */
    FREEZE
  }

  /** The store's name in the printed figures, e.g. {@code PostgreSQL}. */
  protected abstract String storeName();

  /** The server the proxy forwards to. */
  protected abstract TcpProxy proxy() throws Exception;

  /** A store with its default deadline that reaches the server through {@code 127.0.0.1:proxyPort}. */
  protected abstract UsageStore openThrough(int proxyPort);

  /** The store's deadline: no call may take longer. */
  protected Duration deadline() {
    return Duration.ofSeconds(2);
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void everyCallEndsWithinTheDeadlineAndNothingIsHeldOrLostAfterOneTtl(Fault fault) throws Exception {
    MutableClock clock = MutableClock.at("2030-06-12T12:00:00Z");
    String client = "fault-" + fault.name().toLowerCase(Locale.ROOT) + "-" + UUID.randomUUID();
    Events events = new Events();
    ExecutorService threads = Executors.newFixedThreadPool(CALLS_DURING_FAULT + 2);
    try (TcpProxy proxy = proxy();
        UsageStore store = openThrough(proxy.port());
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).listener(events).build()) {
      billing.updateClientQuotas(client, List.of(QuotaDefinition.of(QuotaDuration.DAY, 10_000)));
      AtomicLong billed = new AtomicLong();
      billing.trackClientUsage(client, 3);
      billed.addAndGet(3);
      Reservation first = billing.reserve(Charge.of(client, 5)).reservation().orElseThrow();
      Reservation second = billing.reserve(Charge.of(client, 4)).reservation().orElseThrow();

      if (fault == Fault.CUT) {
        proxy.cut();
      } else {
        proxy.freeze();
      }
      List<Long> millis = Collections.synchronizedList(new ArrayList<>());
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < CALLS_DURING_FAULT; i++) {
        calls.add(threads.submit(() -> timed(millis, () -> {
          // a request of the HTTP flow: reserve, then commit what it cost
          Reservation r = billing.reserve(Charge.of(client, 2)).reservation().orElseThrow();
          billed.addAndGet(2); // answered as billed: its commit is made now or by the retries
          billing.commit(r, 2);
        })));
      }
      // requests admitted before the fault settle during it
      calls.add(threads.submit(() -> timed(millis, () -> billing.commit(first, 3))));
      calls.add(threads.submit(() -> timed(millis, () -> billing.commit(second, 4))));
      for (Future<?> call : calls) {
        call.get(deadline().plus(Duration.ofSeconds(20)).toSeconds(), TimeUnit.SECONDS);
      }
      long restored = System.nanoTime();
      proxy.restore();
      billed.addAndGet(3 + 4); // the two commits: made now, or by the retries once the store answers

      long recoveredNanos = -1;
      while (recoveredNanos < 0 && System.nanoTime() - restored < TimeUnit.SECONDS.toNanos(30)) {
        long start = System.nanoTime();
        try {
          Reservation r = billing.reserve(Charge.of(client, 1)).reservation().orElseThrow();
          billed.addAndGet(1);
          recoveredNanos = System.nanoTime() - restored;
          billing.commit(r, 1);
        } catch (UsageStoreException stillDown) {
          millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polls the link's return, as a client would
        }
      }
      assertThat(recoveredNanos).as("a request billed within 30 s of the link's return").isPositive();
      assertThat(events.awaitAllEnded("commit", Duration.ofSeconds(30)))
          .as("every commit that failed was retried until the store answered").isTrue();
      // releases by id of reserves that failed: those applied late give their credits back now; the
      // others (never applied) are asked again until they expire, so this wait may end unmet
      boolean released = events.awaitAllEnded("compensate", Duration.ofSeconds(1));
      long heldAfterRecovery = billing.status(client).lowest().used() - billed.get();

      clock.advance(TTL.plusSeconds(1));
      assertThat(events.awaitAllEnded("compensate", Duration.ofSeconds(30)))
          .as("every release by id ended once its reservation expired").isTrue();
      long used = billing.status(client).lowest().used();
      StoreFaults faults = billing.faults();

      List<Long> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      long p99 = sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * 0.99) - 1));
      System.out.printf(Locale.ROOT, "fault-figures | %s | %s | calls %d | p99 %d ms | max %d ms | deadline %d ms"
              + " | recovery %.2f s | held 1 s after recovery %d%s | held or lost after TTL %d | unsettled credits %d | durations ms %s%n",
          storeName(), fault.name().toLowerCase(Locale.ROOT), sorted.size(), p99, sorted.get(sorted.size() - 1),
          deadline().toMillis(), recoveredNanos / 1e9, heldAfterRecovery, released ? "" : " (some releases still asking)", used - billed.get(), faults.unsettledCredits(), sorted);

      assertThat(sorted).as("every call during the fault ends within the deadline")
          .allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(deadline().plus(SLACK).toMillis()));
      assertThat(used).as("usage equals the credits of the requests answered as billed").isEqualTo(billed.get());
      assertThat(faults.pending()).isZero();
      assertThat(faults.unsettledCredits()).as("credits of commits that could not be settled").isZero();
    } finally {
      threads.shutdownNow();
    }
  }

  /** Runs a call, recording how long it took; a store failure is an answer too (unbilled). */
  private static Void timed(List<Long> millis, Runnable call) {
    long start = System.nanoTime();
    try {
      call.run();
    } catch (UsageStoreException failed) {
      // served unbilled (fail-open) or refused (fail-closed): either way not billed
    } finally {
      millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
    return null;
  }

  /** The billing's settlement events, to wait on instead of sleeping. */
  private static final class Events implements BillingListener {
    private final Map<String, Long> queued = new HashMap<>();
    private final Map<String, Long> ended = new HashMap<>();

    @Override
    public synchronized void onSettlementRetry(String clientId, String operation, String outcome, long credits) {
      (outcome.equals("queued") ? queued : ended).merge(operation, 1L, Long::sum);
      notifyAll();
    }

    synchronized long queued(String operation) {
      return queued.getOrDefault(operation, 0L);
    }

    /** Waits, at most {@code bound}, until every settlement of {@code operation} queued so far has ended. */
    synchronized boolean awaitAllEnded(String operation, Duration bound) throws InterruptedException {
      long count = queued(operation);
      long giveUp = System.nanoTime() + bound.toNanos();
      while (ended.getOrDefault(operation, 0L) < count) {
        long left = giveUp - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }
}
