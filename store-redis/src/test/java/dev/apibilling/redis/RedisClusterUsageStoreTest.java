package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract on Redis Cluster, through {@link RedisUsageStore#builder(RedisClusterClient)}, on the
 * cluster of {@link ClusterUnderTest}.
 */
final class RedisClusterUsageStoreTest extends UsageStoreContract {

  private static ClusterUnderTest cluster;

  @BeforeAll
  static void findOrStartCluster() {
    cluster = ClusterUnderTest.findOrStart(RedisTestSupport.uniquePrefix("cluster"));
  }

  @AfterAll
  static void closeClientsAndCluster() {
    cluster.close();
  }

  @Override
  protected UsageStore newStore() {
    return cluster.newStore();
  }

  @Test
  void storesOnRedisClusterRecordUsageEvents() {
    try (UsageStore store = newStore()) {
      assertThat(store.eventLog()).isPresent();
    }
  }
}
