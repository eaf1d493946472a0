package dev.apibilling.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.memory.InMemoryUsageStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.caffeine.Bucket4jCaffeine;
import io.github.bucket4j.caffeine.CaffeineProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decision of one credit on a random one of {@value #CLIENTS} clients, in memory, time per decision:
 * apibilling's in-memory store (every client on the default plan of one quota) against Bucket4j's Caffeine
 * proxy manager (one limit per key). Both hold every client in a Caffeine cache bounded to
 * {@value #BOUND} entries, and both were charged once for every client before measuring, so the
 * measurement is of existing clients (cache misses in the CPU, not creation). Both look the client up by
 * its string id on every call, as a filter would per request.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
public class ManyClientsBenchmark {

  static final int CLIENTS = 1_000_000;
  static final int BOUND = 1_100_000;

  static String[] ids() {
    String[] ids = new String[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
      ids[i] = "client-" + i;
    }
    return ids;
  }

  /** apibilling over {@value #CLIENTS} clients. */
  @State(Scope.Benchmark)
  public static class Ours {
    String[] ids;
    ApiBilling billing;

    @Setup
    public void setUp() {
      ids = ids();
      billing = ApiBilling.builder()
          .store(InMemoryUsageStore.builder().maximumClients(BOUND).build())
          .defaultQuotas(Limits.oneQuota())
          .build();
      for (String id : ids) {
        billing.tryTrackClientUsage(id, 1);
      }
    }

    @TearDown
    public void tearDown() {
      billing.close();
    }
  }

  /** Bucket4j's Caffeine proxy manager over {@value #CLIENTS} keys. */
  @State(Scope.Benchmark)
  public static class Theirs {
    String[] ids;
    CaffeineProxyManager<String> proxies;
    RemoteBucketBuilder<String> buckets;
    Supplier<BucketConfiguration> configuration;

    @Setup
    public void setUp() {
      ids = ids();
      BucketConfiguration oneLimit = Limits.oneLimit();
      configuration = () -> oneLimit;
      proxies = Bucket4jCaffeine.<String>builderFor(Caffeine.newBuilder().maximumSize(BOUND))
          .expirationAfterWrite(Limits.expiry())
          .build();
      buckets = proxies.builder();
      for (String id : ids) {
        buckets.build(id, configuration).tryConsumeAndReturnRemaining(1);
      }
    }
  }

  @Benchmark
  public BillingDecision apibilling(Ours ours) {
    String id = ours.ids[ThreadLocalRandom.current().nextInt(CLIENTS)];
    return ours.billing.tryTrackClientUsage(id, 1);
  }

  @Benchmark
  public ConsumptionProbe bucket4j(Theirs theirs) {
    String id = theirs.ids[ThreadLocalRandom.current().nextInt(CLIENTS)];
    return theirs.buckets.build(id, theirs.configuration).tryConsumeAndReturnRemaining(1);
  }
}
