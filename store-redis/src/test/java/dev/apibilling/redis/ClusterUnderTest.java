package dev.apibilling.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * The Redis Cluster a test class runs on: the one {@code APIBILLING_REDIS_CLUSTER_URL} names a node of
 * (e.g. {@code redis://127.0.0.1:17101}), or else a {@link LocalRedisCluster} of three masters started for
 * the class and removed again by {@link #close()}, with every client the class made and (on a cluster
 * that outlives the test) every key under the class's prefix.
 */
final class ClusterUnderTest implements AutoCloseable {

  private final String prefix;
  private final List<RedisClusterClient> clients = new ArrayList<>();
  private @Nullable LocalRedisCluster local;
  private @Nullable RedisURI node;
  /** Why every test skips, if they do; said by each test, as surefire does not count a class skipped in @BeforeAll. */
  private @Nullable String skipped;

  private ClusterUnderTest(String prefix) {
    this.prefix = prefix;
  }

  /** Finds or starts the cluster for keys under {@code prefix}. */
  static ClusterUnderTest findOrStart(String prefix) {
    ClusterUnderTest c = new ClusterUnderTest(prefix);
    String url = System.getenv("APIBILLING_REDIS_CLUSTER_URL");
    if (url != null && !url.isBlank()) {
      c.node = RedisURI.create(url);
      return c;
    }
    try {
      LocalRedisCluster.assumeInstalled(); // in CI (APIBILLING_REQUIRE_SERVERS=true) fails the class instead
    } catch (TestAbortedException e) {
      c.skipped = e.getMessage();
      return c;
    }
    c.local = LocalRedisCluster.start(3);
    c.node = c.local.uri();
    return c;
  }

  /** A store on a new client of the cluster (skips the test when there is no cluster). */
  RedisUsageStore newStore() {
    Assumptions.assumeTrue(skipped == null, skipped);
    RedisClusterClient client = RedisClusterClient.create(node);
    clients.add(client);
    return RedisUsageStore.builder(client).keyPrefix(prefix).build();
  }

  @Override
  public void close() {
    try {
      clients.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
      if (local == null && node != null) {
        deleteKeys(node);
      }
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** Deletes this run's keys from a cluster that outlives the test: each master holds some of them. */
  private void deleteKeys(RedisURI node) {
    RedisClusterClient admin = RedisClusterClient.create(node);
    try (StatefulRedisClusterConnection<String, String> c = admin.connect()) {
      c.getPartitions().forEach(partition -> {
        var commands = c.getConnection(partition.getNodeId()).sync();
        for (String key : commands.keys(prefix + "*")) {
          commands.unlink(key);
        }
      });
    } finally {
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
