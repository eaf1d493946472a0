package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.LeaseSettings;
import dev.apibilling.jdbc.JdbcUsageStore;
import java.util.function.BiConsumer;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * apibilling's side of a JDBC benchmark: a {@code JdbcUsageStore} under a random table prefix (schema created,
 * dropped when the trial ends), one quota per client, leases for benchmarks named {@code ...Leased...}, and
 * {@value PostgresBenchmark#KEYS} client ids, each charged once first for benchmarks named {@code ...ManyKeys...}.
 */
public abstract class JdbcBillingSide extends JdbcSide {

  static final String HOT = "hot";

  String prefix;
  JdbcUsageStore store;
  ApiBilling billing;
  String[] ids;
  private BiConsumer<HikariDataSource, String> drop;

  /** Opens the side on {@code pool}; {@code drop} deletes the tables (and routines) of a prefix. */
  void open(BenchmarkParams params, HikariDataSource pool, JdbcCounters counters,
      BiConsumer<HikariDataSource, String> drop) {
    this.counters = counters;
    this.pool = pool;
    this.drop = drop;
    prefix = PostgresBenchmark.randomPrefix();
    store = JdbcUsageStore.builder(pool).tablePrefix(prefix).createSchema(true).build();
    ApiBilling.Builder builder = ApiBilling.builder().store(store).defaultQuotas(Limits.oneQuota());
    if (params.getBenchmark().contains("Leased")) {
      builder.leases(LeaseSettings.defaults());
    }
    billing = builder.build();
    billing.tryTrackClientUsage(HOT, 1);
    ids = new String[PostgresBenchmark.KEYS];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "client-" + i;
    }
    if (params.getBenchmark().contains("ManyKeys")) {
      for (String id : ids) {
        billing.tryTrackClientUsage(id, 1);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    counters.finish();
    billing.close();
    store.close();
    drop.accept(pool, prefix);
    pool.close();
  }

  BillingDecision decide(String id) {
    BillingDecision decision = billing.tryTrackClientUsage(id, 1);
    counters.decided();
    return decision;
  }
}
