package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.StoreFaultContract;
import dev.apibilling.tck.TcpProxy;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fault suite on the machine's Redis, through a proxy: the store's own client and default deadline. */
final class RedisFaultTest extends StoreFaultContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("fault");

  @Override
  protected String storeName() {
    return "Redis";
  }

  @Override
  protected TcpProxy proxy() throws Exception {
    RedisURI redis = RedisTestSupport.uri();
    return TcpProxy.to(redis.getHost(), redis.getPort());
  }

  @Override
  protected UsageStore openThrough(int proxyPort) {
    RedisURI redis = RedisTestSupport.uri();
    return RedisUsageStore.builder(RedisURI.builder(redis).withHost("127.0.0.1").withPort(proxyPort).build())
        .keyPrefix(REDIS.prefix()).build();
  }
}
