package dev.apibilling.benchmarks;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import java.util.function.Supplier;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Bucket4j's side of a JDBC benchmark ({@link PostgresBenchmark}, {@link MariaDbBenchmark}): one limit per
 * key, the hot key's bucket, and every key's bucket made before a many-keys benchmark measures. Subclasses
 * make the table and the proxy manager of their database.
 */
public abstract class Bucket4jJdbcSide extends JdbcSide {

  RemoteBucketBuilder<Long> buckets;
  Supplier<BucketConfiguration> configuration;
  BucketProxy hot;

  /** Builds the buckets over {@code proxies}: the hot key's, and each key's for {@code ...ManyKeys...}. */
  void warm(ProxyManager<Long> proxies, BenchmarkParams params) {
    buckets = proxies.builder();
    BucketConfiguration oneLimit = Limits.oneLimit();
    configuration = () -> oneLimit;
    hot = buckets.build((long) PostgresBenchmark.KEYS, configuration);
    hot.tryConsumeAndReturnRemaining(1);
    if (params.getBenchmark().contains("ManyKeys")) {
      for (long key = 0; key < PostgresBenchmark.KEYS; key++) {
        buckets.build(key, configuration).tryConsumeAndReturnRemaining(1);
      }
    }
  }

  ConsumptionProbe decide(BucketProxy bucket) {
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    counters.decided();
    return probe;
  }
}
