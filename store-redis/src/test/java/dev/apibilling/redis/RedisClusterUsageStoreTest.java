package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on Redis Cluster, through {@link RedisUsageStore#builder(RedisClusterClient)}. Opt-in:
 * runs only when {@code APIBILLING_REDIS_CLUSTER_URL} names a node of a cluster (e.g.
 * {@code redis://127.0.0.1:17101}); the README shows how to start a throwaway cluster on loopback.
 */
final class RedisClusterUsageStoreTest extends UsageStoreContract {

  private static final String PREFIX = RedisTestSupport.uniquePrefix("cluster");
  private static final List<RedisClusterClient> CLIENTS = new ArrayList<>();
  private static String url;

  @BeforeAll
  static void clusterIsConfigured() {
    url = System.getenv("APIBILLING_REDIS_CLUSTER_URL");
    Assumptions.assumeTrue(url != null && !url.isBlank(),
        "APIBILLING_REDIS_CLUSTER_URL is not set; skipping the Redis Cluster contract (opt-in)");
  }

  @AfterAll
  static void deleteKeysAndCloseClients() {
    if (url == null || url.isBlank()) {
      return;
    }
    RedisClusterClient admin = RedisClusterClient.create(url);
    try (StatefulRedisClusterConnection<String, String> c = admin.connect()) {
      // every node holds some of the keys: scan each master
      c.getPartitions().forEach(node -> {
        var commands = c.getConnection(node.getNodeId()).sync();
        List<String> keys = commands.keys(PREFIX + "*");
        for (String key : keys) {
          commands.unlink(key);
        }
      });
    } finally {
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      CLIENTS.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    }
  }

  @Override
  protected UsageStore newStore() {
    RedisClusterClient client = RedisClusterClient.create(RedisURI.create(url));
    CLIENTS.add(client);
    return RedisUsageStore.builder(client).keyPrefix(PREFIX).build();
  }
}
