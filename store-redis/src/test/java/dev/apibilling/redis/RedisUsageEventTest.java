package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The usage-event contract against the real Redis: every store object has its own client and connection. */
final class RedisUsageEventTest extends UsageEventContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("events");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }

  @Override
  protected boolean purgesDeliveredOnDemand() {
    return false;
  }
}
