package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The usage-event contract on Redis Cluster ({@link ClusterUnderTest}): events go to the outbox of each
 * client's slot, and exporters find them on every master.
 */
final class RedisClusterUsageEventTest extends UsageEventContract {

  private static ClusterUnderTest cluster;

  @BeforeAll
  static void findOrStartCluster() {
    cluster = ClusterUnderTest.findOrStart(RedisTestSupport.uniquePrefix("cluster-events"));
  }

  @AfterAll
  static void closeClientsAndCluster() {
    cluster.close();
  }

  @Override
  protected UsageStore newStore() {
    return cluster.newStore();
  }

  @Override
  protected boolean purgesDeliveredOnDemand() {
    return false;
  }
}
