package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Quotas and daily history per operation on Redis Cluster ({@link ClusterUnderTest}): an operation's daily
 * totals and the set of the client's operations carry the client's hash tag, so the decision script, the
 * settle script and the history delete stay in the client's slot.
 */
final class RedisClusterOperationQuotaTest extends OperationQuotaContract {

  private static ClusterUnderTest cluster;

  @BeforeAll
  static void findOrStartCluster() {
    cluster = ClusterUnderTest.findOrStart(RedisTestSupport.uniquePrefix("cluster-ops"));
  }

  @AfterAll
  static void closeClientsAndCluster() {
    cluster.close();
  }

  @Override
  protected UsageStore newStore() {
    return cluster.newStore();
  }
}
