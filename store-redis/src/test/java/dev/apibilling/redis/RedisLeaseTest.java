package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.LeaseContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leased budgets on the real Redis: every instance has its own client and connection. */
final class RedisLeaseTest extends LeaseContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("leases");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }
}
