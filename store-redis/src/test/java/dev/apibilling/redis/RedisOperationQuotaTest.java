package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quotas per operation on the real Redis: every store object has its own client and connection. */
final class RedisOperationQuotaTest extends OperationQuotaContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("ops");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }
}
