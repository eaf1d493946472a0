package dev.apibilling.benchmarks;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.ApiBilling;
import dev.apibilling.memory.InMemoryUsageStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.caffeine.Bucket4jCaffeine;
import io.github.bucket4j.caffeine.CaffeineProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteBucketBuilder;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Heap per active client: the live heap after charging N distinct clients once, minus the live heap before,
 * divided by N, each side in a fresh cache. The client id strings exist before the first measurement and
 * are not counted on either side. apibilling: the in-memory store with the default plan (1 or 3 quotas);
 * Bucket4j: the Caffeine proxy manager (1 or 3 limits). Both caches are bounded above N.
 */
final class MemoryPerClient {

  private MemoryPerClient() {}

  /** Bytes per client of each side, as {apibilling, bucket4j}. */
  static double[] measure(int clients, int quotas) {
    String[] ids = new String[clients];
    for (int i = 0; i < clients; i++) {
      ids[i] = "client-" + i;
    }
    return new double[] {ours(ids, quotas), theirs(ids, quotas)};
  }

  private static double ours(String[] ids, int quotas) {
    long before = liveHeap();
    ApiBilling billing = ApiBilling.builder()
        .store(InMemoryUsageStore.builder().maximumClients(ids.length + ids.length / 10).build())
        .defaultQuotas(Limits.quotas(quotas))
        .build();
    for (String id : ids) {
      billing.tryTrackClientUsage(id, 1);
    }
    long after = liveHeap();
    Reference.reachabilityFence(billing);
    Reference.reachabilityFence(ids);
    billing.close();
    return (double) (after - before) / ids.length;
  }

  private static double theirs(String[] ids, int limits) {
    long before = liveHeap();
    BucketConfiguration limitsOf = Limits.limits(limits);
    Supplier<BucketConfiguration> configuration = () -> limitsOf;
    CaffeineProxyManager<String> proxies = Bucket4jCaffeine.<String>builderFor(
            Caffeine.newBuilder().maximumSize(ids.length + ids.length / 10))
        .expirationAfterWrite(Limits.expiry())
        .build();
    RemoteBucketBuilder<String> buckets = proxies.builder();
    for (String id : ids) {
      buckets.build(id, configuration).tryConsumeAndReturnRemaining(1);
    }
    long after = liveHeap();
    Reference.reachabilityFence(proxies);
    Reference.reachabilityFence(ids);
    return (double) (after - before) / ids.length;
  }

  private static long liveHeap() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Prints the measurement for {@code args[0]} clients (default 1,000,000). */
  public static void main(String[] args) {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    for (int quotas : new int[] {1, 3}) {
      double[] bytes = measure(clients, quotas);
      System.out.printf(Locale.ROOT, "%d quota(s): apibilling %.0f B/client, Bucket4j %.0f B/client%n", quotas,
          bytes[0], bytes[1]);
    }
  }
}
