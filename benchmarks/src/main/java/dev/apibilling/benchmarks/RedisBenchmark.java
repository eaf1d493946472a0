package dev.apibilling.benchmarks;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.LeaseSettings;
import dev.apibilling.redis.RedisUsageStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Decisions per second on the machine's Redis (loopback), one credit per decision, each side on ONE shared
 * Lettuce connection: apibilling's {@code RedisUsageStore} (one quota per client) against Bucket4j's Lettuce
 * compare-and-swap proxy manager (one limit per key, {@code casBasedBuilder}, expiring
 * {@code basedOnTimeForRefillingBucketUpToMax(1 min)}). One hot key with 2 and 8 threads, and
 * {@value #KEYS} keys (a random one per call) with 8 threads; every key is charged once before measuring.
 * The floor is a 4-command counter script ({@code GET}, {@code INCRBY}, {@code PEXPIRE}, {@code HINCRBY}) by
 * {@code EVALSHA} on the same kind of connection: one round trip and no library around it. Round trips and
 * server commands per decision are counted during the measurement (see {@link RedisCounters}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class RedisBenchmark {

  static final int KEYS = 10_000;
  private static final String HOT = "hot";

  static String[] ids() {
    String[] ids = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      ids[i] = "client-" + i;
    }
    return ids;
  }

  /** apibilling on Redis. */
  @State(Scope.Benchmark)
  public static class Ours {
    RedisCounters counters;
    RedisClient client;
    RedisUsageStore store;
    ApiBilling billing;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      counters = new RedisCounters(params);
      client = counters.countedClient();
      store = RedisUsageStore.builder(client).keyPrefix(counters.prefix).build();
      ApiBilling.Builder builder = ApiBilling.builder().store(store).defaultQuotas(Limits.oneQuota());
      if (params.getBenchmark().contains("Leased")) {
        builder.leases(LeaseSettings.defaults());
      }
      billing = builder.build();
      ids = ids();
      billing.tryTrackClientUsage(HOT, 1);
      if (params.getBenchmark().contains("ManyKeys")) {
        for (String id : ids) {
          billing.tryTrackClientUsage(id, 1);
        }
      }
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      counters.beginIteration(iteration);
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
      counters.endIteration(iteration);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      counters.finish();
      billing.close();
      store.close();
      client.shutdown();
    }

    BillingDecision decide(String id) {
      BillingDecision decision = billing.tryTrackClientUsage(id, 1);
      counters.decided();
      return decision;
    }
  }

  /** Bucket4j Lettuce, compare-and-swap. */
  @State(Scope.Benchmark)
  public static class Theirs {
    RedisCounters counters;
    RedisClient client;
    StatefulRedisConnection<String, byte[]> connection;
    RemoteBucketBuilder<String> buckets;
    Supplier<BucketConfiguration> configuration;
    BucketProxy hot;
    String[] ids;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      counters = new RedisCounters(params);
      client = counters.countedClient();
      connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
      LettuceBasedProxyManager<String> proxies = Bucket4jLettuce.casBasedBuilder(connection)
          .expirationAfterWrite(Limits.expiry())
          .build();
      buckets = proxies.builder();
      BucketConfiguration oneLimit = Limits.oneLimit();
      configuration = () -> oneLimit;
      hot = buckets.build(counters.prefix + HOT, configuration);
      hot.tryConsumeAndReturnRemaining(1);
      ids = ids();
      for (int i = 0; i < ids.length; i++) {
        ids[i] = counters.prefix + ids[i];
      }
      if (params.getBenchmark().contains("ManyKeys")) {
        for (String id : ids) {
          buckets.build(id, configuration).tryConsumeAndReturnRemaining(1);
        }
      }
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      counters.beginIteration(iteration);
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
      counters.endIteration(iteration);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      counters.finish();
      connection.close();
      client.shutdown();
    }

    ConsumptionProbe decide(BucketProxy bucket) {
      ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
      counters.decided();
      return probe;
    }
  }

  /** The floor: one EVALSHA of a 4-command counter script per decision. */
  @State(Scope.Benchmark)
  public static class Floor {
    static final String SCRIPT = """
        local used = tonumber(redis.call('get', KEYS[1]) or '0')
        if used + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return -1 end
        local n = redis.call('incrby', KEYS[1], ARGV[1])
        redis.call('pexpire', KEYS[1], ARGV[3])
        redis.call('hincrby', KEYS[2], ARGV[4], ARGV[1])
        return n
        """;
    RedisCounters counters;
    RedisClient client;
    StatefulRedisConnection<String, String> connection;
    RedisCommands<String, String> redis;
    String sha;
    String[] counterKeys;
    String[] dailyKeys;
    String[] args;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
      counters = new RedisCounters(params);
      client = counters.countedClient();
      connection = client.connect();
      redis = connection.sync();
      sha = redis.scriptLoad(SCRIPT);
      String[] ids = ids();
      counterKeys = new String[ids.length];
      dailyKeys = new String[ids.length];
      for (int i = 0; i < ids.length; i++) {
        counterKeys[i] = counters.prefix + "{" + ids[i] + "}:w";
        dailyKeys[i] = counters.prefix + "{" + ids[i] + "}:d";
      }
      args = new String[] {"1", Long.toString(Limits.HUGE), "360000", "20000"};
    }

    @Setup(Level.Iteration)
    public void beginIteration(IterationParams iteration) {
      counters.beginIteration(iteration);
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams iteration) {
      counters.endIteration(iteration);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      counters.finish();
      connection.close();
      client.shutdown();
    }

    Long decide(int key) {
      Long n = redis.evalsha(sha, ScriptOutputType.INTEGER, new String[] {counterKeys[key], dailyKeys[key]}, args);
      counters.decided();
      return n;
    }
  }

  private static int randomKey() {
    return ThreadLocalRandom.current().nextInt(KEYS);
  }

  @Benchmark
  @Threads(2)
  public BillingDecision apibillingHotKey2Threads(Ours ours) {
    return ours.decide(HOT);
  }

  @Benchmark
  @Threads(2)
  public ConsumptionProbe bucket4jHotKey2Threads(Theirs theirs) {
    return theirs.decide(theirs.hot);
  }

  @Benchmark
  @Threads(2)
  public Long floorHotKey2Threads(Floor floor) {
    return floor.decide(0);
  }

  @Benchmark
  @Threads(8)
  public BillingDecision apibillingHotKey8Threads(Ours ours) {
    return ours.decide(HOT);
  }

  @Benchmark
  @Threads(8)
  public ConsumptionProbe bucket4jHotKey8Threads(Theirs theirs) {
    return theirs.decide(theirs.hot);
  }

  @Benchmark
  @Threads(8)
  public Long floorHotKey8Threads(Floor floor) {
    return floor.decide(0);
  }

  @Benchmark
  @Threads(8)
  public BillingDecision apibillingLeasedHotKey8Threads(Ours ours) {
    return ours.decide(HOT);
  }

  @Benchmark
  @Threads(8)
  public BillingDecision apibillingLeasedManyKeys8Threads(Ours ours) {
    return ours.decide(ours.ids[randomKey()]);
  }

  @Benchmark
  @Threads(8)
  public BillingDecision apibillingManyKeys8Threads(Ours ours) {
    return ours.decide(ours.ids[randomKey()]);
  }

  @Benchmark
  @Threads(8)
  public ConsumptionProbe bucket4jManyKeys8Threads(Theirs theirs) {
    return theirs.decide(theirs.buckets.build(theirs.ids[randomKey()], theirs.configuration));
  }

  @Benchmark
  @Threads(8)
  public Long floorManyKeys8Threads(Floor floor) {
    return floor.decide(randomKey());
  }
}
