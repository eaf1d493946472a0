package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ProviderBudgetsContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Provider budgets on the real Redis: every instance has its own client and connection. */
final class RedisProviderBudgetsTest extends ProviderBudgetsContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("providers");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }
}
