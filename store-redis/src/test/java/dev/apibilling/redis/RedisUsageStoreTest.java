package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against the real Redis: every store object has its own client and connection. */
final class RedisUsageStoreTest extends UsageStoreContract {

  private static final String PREFIX = RedisTestSupport.uniquePrefix("tck");

  @BeforeAll
  static void redisIsReachable() {
    RedisTestSupport.assumeRedis();
  }

  @AfterAll
  static void deleteKeys() {
    try (RedisTestSupport admin = RedisTestSupport.admin()) {
      admin.deleteKeys(PREFIX);
    }
  }

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(PREFIX).build();
  }
}
