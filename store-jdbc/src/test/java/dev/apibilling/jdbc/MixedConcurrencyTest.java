package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaState;
import dev.apibilling.Reservation;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
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
import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Every kind of call at once, from two store objects, on a few clients with two windows each: charges
 * with and without keys, reservations settled for part of their credits, checks, history deletions and
 * purges. No call may fail (the lock order leaves no deadlock; conflicts the database resolves are
 * retried), and each client's windows end up holding exactly the credits that were granted and kept.
 */
final class MixedConcurrencyTest {

  private static final int CLIENTS = 3;
  private static final int THREADS_PER_STORE = 4;
  private static final int CALLS = 60;
  private static final long DAY_LIMIT = 2_000;

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");

  @Test
  void mixedCallsOnH2KeepExactCounts() throws Exception {
    mixedCallsKeepExactCounts(Databases.h2Url(), null);
  }

  @Test
  void mixedCallsOnPostgresKeepExactCounts() throws Exception {
    mixedCallsKeepExactCounts(Databases.postgres(), null);
  }

  @Test
  void mixedCallsOnMariaDbKeepExactCounts() throws Exception {
    mixedCallsKeepExactCounts(Databases.mariadb(), null);
  }

  @Test
  void mixedCallsOfTheMysqlDialectKeepExactCounts() throws Exception {
    mixedCallsKeepExactCounts(Databases.mariadb(), JdbcDialect.MYSQL);
  }

  private void mixedCallsKeepExactCounts(String url, @Nullable JdbcDialect dialect) throws Exception {
    TestTables tables = TestTables.on(url);
    String run = UUID.randomUUID().toString();
    List<String> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add("mixed-" + i + "-" + run);
    }
    List<QuotaDefinition> plan = List.of(QuotaDefinition.of(MINUTE, 1_000_000), QuotaDefinition.of(DAY, DAY_LIMIT));
    AtomicLongArray kept = new AtomicLongArray(CLIENTS);
    AtomicLong keys = new AtomicLong();
    List<JdbcUsageStore> stores = new ArrayList<>();
    List<ApiBilling> billings = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_STORE + 1);
    try {
      for (int s = 0; s < 2; s++) {
        JdbcUsageStore.Builder b = tables.builder().createSchema(true)
            .poolSize(THREADS_PER_STORE + 1).timeout(Duration.ofSeconds(10));
        JdbcUsageStore store = (dialect == null ? b : b.dialect(dialect)).build();
        stores.add(store);
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build();
        clients.forEach(c -> billing.updateClientQuotas(c, plan));
        billings.add(billing);
      }
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> results = new ArrayList<>();
      for (ApiBilling billing : billings) {
        for (int t = 0; t < THREADS_PER_STORE; t++) {
          int seed = results.size();
          results.add(pool.submit(() -> {
            start.await();
            for (int call = 0; call < CALLS; call++) {
              int c = (seed + call) % CLIENTS;
              String client = clients.get(c);
              switch ((seed * 7 + call) % 6) {
                case 0:
                  if (billing.tryTrackClientUsage(client, 3).granted()) {
                    kept.addAndGet(c, 3);
                  }
                  break;
                case 1: {
                  Charge charge = Charge.of(client, 2).idempotencyKey("k" + keys.incrementAndGet());
                  if (billing.tryCharge(charge).granted()) {
                    kept.addAndGet(c, 2);
                  }
                  billing.tryCharge(charge); // a retry: replayed or denied, never charged twice
                  break;
                }
                case 2: {
                  BillingDecision d = billing.reserve(Charge.of(client, 5));
                  if (d.granted()) {
                    Reservation r = d.reservation().orElseThrow();
                    assertThat(billing.commit(r, 4)).isTrue();
                    kept.addAndGet(c, 4);
                  }
                  break;
                }
                case 3:
                  billing.check(client, 1);
                  break;
                case 4:
                  billing.deleteUsage(client, LocalDate.of(2026, 3, 1), LocalDate.of(2026, 3, 10));
                  break;
                default:
                  billing.status(client);
                  break;
              }
            }
            return null;
          }));
        }
      }
      results.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 20; i++) {
          stores.get(i % 2).purgeExpired(clock.instant());
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : results) {
        f.get(3, TimeUnit.MINUTES);
      }
      for (int c = 0; c < CLIENTS; c++) {
        long expected = kept.get(c);
        assertThat(billings.get(c % 2).status(clients.get(c)).quotas()).as(clients.get(c))
            .extracting(QuotaState::used).containsExactly(expected, expected);
        assertThat(expected).isPositive().isLessThanOrEqualTo(DAY_LIMIT);
      }
    } finally {
      pool.shutdownNow();
      billings.forEach(ApiBilling::close);
      stores.forEach(JdbcUsageStore::close);
      tables.close();
    }
  }
}
