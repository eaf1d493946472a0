package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static dev.apibilling.QuotaDuration.MONTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.Reservation;
import dev.apibilling.tck.MutableClock;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Counts what one decision costs: statement executions and transaction calls (commit, rollback,
 * auto-commit) through a {@link CountingDataSource}, and network round trips through a
 * {@link CountingSocketFactory} on the driver's socket. PostgreSQL must be one statement and one round
 * trip for every operation, and so must MariaDB (one {@code CALL} of a stored procedure); H2 runs a short
 * locking transaction of several statements whose counts are pinned here (and reported in the README)
 * so that a change of them is a visible decision.
 */
final class RoundTripTest {

  private static final int N = 40;

  @Test
  void postgresDecisionsAreOneStatementAndOneRoundTripEach() throws Exception {
    assertOneStatementAndOneRoundTripEach(measure(Databases.postgres(), null, true));
  }

  @Test
  void mariadbDecisionsAreOneCallAndOneRoundTripEach() throws Exception {
    assertOneStatementAndOneRoundTripEach(measure(Databases.mariadb(), null, true));
  }

  @Test
  void mysqlDialectDecisionIsOneShortTransaction() throws Exception {
    // MariaDB's server speaks the MYSQL dialect's SQL too
    Map<String, Cost> costs = measure(Databases.mariadb(), JdbcDialect.MYSQL, true);
    assertThat(costs.get("charge").executions).isEqualTo(6.0);
    assertThat(costs.get("charge").transactionCalls).isEqualTo(3.0);
    assertThat(costs.get("charge").roundTrips).isEqualTo(9.0);
    assertThat(costs.get("usage").roundTrips).isEqualTo(1.0);
  }

  @Test
  void h2DecisionIsOneShortTransaction() throws Exception {
    Map<String, Cost> costs = measure(Databases.h2Url(), null, false);
    // lock the client, expired reservations, read 2 windows, update each window, update the daily total
    assertThat(costs.get("charge").executions).isEqualTo(6.0);
    // setAutoCommit(false), commit, setAutoCommit(true)
    assertThat(costs.get("charge").transactionCalls).isEqualTo(3.0);
    // an operation's: its window too (read in the same statement, then updated), and its day total
    assertThat(costs.get("charge of an operation").executions).isEqualTo(8.0);
    assertThat(costs.get("charge of an operation").transactionCalls).isEqualTo(3.0);
    // + read the key, record it
    assertThat(costs.get("idempotent charge").executions).isEqualTo(8.0);
    // lock, expired reservations (given back before any replay), the key, the windows' counts now
    assertThat(costs.get("replayed charge").executions).isEqualTo(4.0);
    assertThat(costs.get("usage").executions).isEqualTo(1.0);
    assertThat(costs.get("usage").transactionCalls).isEqualTo(0.0);
  }

  private static void assertOneStatementAndOneRoundTripEach(Map<String, Cost> costs) {
    for (Map.Entry<String, Cost> e : costs.entrySet()) {
      assertThat(e.getValue().executions).as(e.getKey() + " executions").isEqualTo(1.0);
      assertThat(e.getValue().transactionCalls).as(e.getKey() + " transaction calls").isEqualTo(0.0);
      assertThat(e.getValue().roundTrips).as(e.getKey() + " round trips").isEqualTo(1.0);
    }
  }

  /** Per operation, the average cost over {@value #N} calls after a warm-up. */
  private static Map<String, Cost> measure(String url, @Nullable JdbcDialect dialect, boolean network)
      throws Exception {
    String prefix = Databases.uniquePrefix();
    String counted = network
        ? Databases.withParameter(url, "socketFactory", CountingSocketFactory.class.getName())
        : url;
    Map<String, Cost> costs = new LinkedHashMap<>();
    try (CountingDataSource ds = new CountingDataSource(DriverManager.getConnection(counted));
        JdbcUsageStore store = builder(ds, dialect).tablePrefix(prefix).createSchema(true).build()) {
      MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");
      try (ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
        String client = "rt-" + prefix;
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 1_000_000), QuotaDefinition.of(MONTH, 10_000_000),
            QuotaDefinition.of(DAY, 1_000_000).forOperation("send")));
        int[] seq = {0};
        Map<String, Consumer<Integer>> ops = new LinkedHashMap<>();
        ops.put("charge", i -> billing.trackClientUsage(client, 1));
        ops.put("idempotent charge", i -> billing.tryCharge(Charge.of(client, 1).idempotencyKey("k" + seq[0]++)));
        ops.put("replayed charge", i -> billing.tryCharge(Charge.of(client, 1).idempotencyKey("k0")));
        ops.put("check", i -> billing.check(client, 1));
        // each commit settles a reservation of its own (warm-up and measured calls alike), never one settled before
        Reservation[] held = new Reservation[2 * N];
        int[] reserved = {0, 0};
        ops.put("reserve", i -> held[reserved[0]++] = billing.reserve(Charge.of(client, 2)).reservation().orElseThrow());
        ops.put("commit", i -> assertThat(billing.commit(held[reserved[1]++], 1)).isTrue());
        // an operation's charge also adds to its day total, in the same call
        ops.put("charge of an operation", i -> billing.tryCharge(Charge.of(client, 1).operation("send")));
        Reservation[] heldForOperation = new Reservation[2 * N];
        int[] reservedForOperation = {0, 0};
        ops.put("reserve for an operation", i -> heldForOperation[reservedForOperation[0]++] =
            billing.reserve(Charge.of(client, 2).operation("send")).reservation().orElseThrow());
        ops.put("commit for an operation", i ->
            assertThat(billing.commit(heldForOperation[reservedForOperation[1]++], 1)).isTrue());
        ops.put("usage", i -> billing.status(client));
        ops.put("history", i -> billing.usageHistory(client, java.time.LocalDate.of(2026, 3, 1), java.time.LocalDate.of(2026, 3, 31)));
        ops.put("history of an operation", i -> billing.usageHistory(client, "send", java.time.LocalDate.of(2026, 3, 1),
            java.time.LocalDate.of(2026, 3, 31)));
        for (Map.Entry<String, Consumer<Integer>> op : ops.entrySet()) {
          for (int i = 0; i < N; i++) {
            op.getValue().accept(i); // warm-up: driver type caches, server-side prepared statements
          }
          long executions = ds.executions.get();
          long transactionCalls = ds.transactionCalls.get();
          long roundTrips = CountingSocketFactory.roundTrips();
          for (int i = 0; i < N; i++) {
            op.getValue().accept(i);
          }
          costs.put(op.getKey(), new Cost((ds.executions.get() - executions) / (double) N,
              (ds.transactionCalls.get() - transactionCalls) / (double) N,
              network ? (CountingSocketFactory.roundTrips() - roundTrips) / (double) N : Double.NaN));
        }
      }
      System.out.println("per call on " + store.dialect() + ": " + costs);
      store.dropSchema();
    }
    return costs;
  }

  private static JdbcUsageStore.Builder builder(CountingDataSource ds, @Nullable JdbcDialect dialect) {
    JdbcUsageStore.Builder b = JdbcUsageStore.builder(ds);
    return dialect == null ? b : b.dialect(dialect);
  }

  private record Cost(double executions, double transactionCalls, double roundTrips) {
    @Override
    public String toString() {
      return "executions=" + executions + " transactionCalls=" + transactionCalls + " roundTrips=" + roundTrips;
    }
  }
}
