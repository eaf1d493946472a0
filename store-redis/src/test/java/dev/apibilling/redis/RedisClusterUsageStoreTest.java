package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.ApiBilling;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/**
 * The store contract on Redis Cluster, through {@link RedisUsageStore#builder(RedisClusterClient)}: on the
 * cluster {@code APIBILLING_REDIS_CLUSTER_URL} names a node of (e.g. {@code redis://127.0.0.1:17101}), or
 * else on a {@link LocalRedisCluster} of three masters that this class starts and removes again.
 */
final class RedisClusterUsageStoreTest extends UsageStoreContract {

  private static final String PREFIX = RedisTestSupport.uniquePrefix("cluster");
  private static final List<RedisClusterClient> CLIENTS = new ArrayList<>();
  private static @Nullable LocalRedisCluster local;
  private static @Nullable RedisURI node;
  /** Why every test skips, if they do; said by each test, as surefire does not count a class skipped in @BeforeAll. */
  private static @Nullable String skipped;

  @BeforeAll
  static void findOrStartCluster() {
    String url = System.getenv("APIBILLING_REDIS_CLUSTER_URL");
    if (url != null && !url.isBlank()) {
      node = RedisURI.create(url);
      return;
    }
    try {
      LocalRedisCluster.assumeInstalled(); // in CI (APIBILLING_REQUIRE_SERVERS=true) fails the class instead
    } catch (TestAbortedException e) {
      skipped = e.getMessage();
      return;
    }
    local = LocalRedisCluster.start(3);
    node = local.uri();
  }

  @AfterAll
  static void closeClientsAndCluster() {
    try {
      CLIENTS.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
      if (local == null && node != null) {
        deleteKeys(node);
      }
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  @Override
  protected UsageStore newStore() {
    Assumptions.assumeTrue(skipped == null, skipped);
    RedisClusterClient client = RedisClusterClient.create(node);
    CLIENTS.add(client);
    return RedisUsageStore.builder(client).keyPrefix(PREFIX).build();
  }

  @Test
  void usageEventsAreRefusedOnRedisClusterWithAClearMessage() {
    try (UsageStore cluster = newStore()) {
      assertThat(cluster.eventLog()).isEmpty();
      assertThatThrownBy(() -> ApiBilling.builder().store(cluster).usageEvents(true).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("usageEvents(true) needs a store that records usage events");
    }
  }

  /** Deletes this run's keys from a cluster that outlives the test: each master holds some of them. */
  private static void deleteKeys(RedisURI node) {
    RedisClusterClient admin = RedisClusterClient.create(node);
    try (StatefulRedisClusterConnection<String, String> c = admin.connect()) {
      c.getPartitions().forEach(partition -> {
        var commands = c.getConnection(partition.getNodeId()).sync();
        for (String key : commands.keys(PREFIX + "*")) {
          commands.unlink(key);
        }
      });
    } finally {
      admin.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
