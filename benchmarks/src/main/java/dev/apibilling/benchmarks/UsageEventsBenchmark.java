package dev.apibilling.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.jdbc.JdbcUsageStore;
import dev.apibilling.redis.RedisUsageStore;
import io.lettuce.core.RedisClient;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path with usage events on and off (issue 13: on may cost at most 10 %): decisions per second of
 * one hot client, 8 threads, one credit and a {@code route} metadata entry per decision, on the machine's
 * Redis and PostgreSQL. With {@code events=on} every decision also writes its event in the same script or
 * function (Redis: two stream entries; PostgreSQL: one row). No exporter runs, so the recorded events only
 * pile up; keys and tables are deleted when the trial ends.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Threads(8)
public class UsageEventsBenchmark {

  static final Charge CHARGE = Charge.of("hot", 1).with("route", "GET /api/hello");

  static ApiBilling billing(dev.apibilling.spi.UsageStore store, String events) {
    return ApiBilling.builder().store(store).defaultQuotas(Limits.oneQuota())
        .usageEvents(events.equals("on")).eventSource("urn:apibilling:bench").build();
  }

  /** apibilling on Redis, one shared Lettuce connection. */
  @State(Scope.Benchmark)
  public static class OnRedis {
    @Param({"off", "on"})
    public String events;

    final String prefix = "apibilling-bench-ev-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    RedisClient client;
    RedisUsageStore store;
    ApiBilling billing;

    @Setup(Level.Trial)
    public void setUp() {
      client = RedisClient.create(RedisCounters.URL);
      store = RedisUsageStore.builder(client).keyPrefix(prefix).build();
      billing = billing(store, events);
      billing.tryCharge(CHARGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      billing.close();
      store.close();
      client.shutdown();
      EventExportThroughput.deleteRedisKeys(prefix);
    }
  }

  /** apibilling on PostgreSQL, a pool of 9 connections. */
  @State(Scope.Benchmark)
  public static class OnPostgres {
    @Param({"off", "on"})
    public String events;

    HikariDataSource pool;
    String prefix;
    JdbcUsageStore store;
    ApiBilling billing;

    @Setup(Level.Trial)
    public void setUp() {
      pool = Postgres.pool(PostgresBenchmark.POOL, "apibilling-events", Postgres.URL);
      prefix = PostgresBenchmark.randomPrefix();
      store = JdbcUsageStore.builder(pool).tablePrefix(prefix).createSchema(true).build();
      billing = billing(store, events);
      billing.tryCharge(CHARGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      billing.close();
      store.close();
      PostgresBenchmark.drop(pool, prefix);
      pool.close();
    }
  }

  @Benchmark
  public BillingDecision redisHotKey(OnRedis s) {
    return s.billing.tryCharge(CHARGE);
  }

  @Benchmark
  public BillingDecision postgresHotKey(OnPostgres s) {
    return s.billing.tryCharge(CHARGE);
  }
}
