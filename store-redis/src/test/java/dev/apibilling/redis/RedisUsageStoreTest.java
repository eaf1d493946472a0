package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against the real Redis: every store object has its own client and connection. */
final class RedisUsageStoreTest extends UsageStoreContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("tck");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }
}
