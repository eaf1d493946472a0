package dev.apibilling.redis;

import dev.apibilling.tck.LeaseProcessContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases across two JVMs on the real Redis, and a killed leasing JVM. */
final class RedisLeaseProcessTest extends LeaseProcessContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("leaseproc");

  @Override
  protected String storeUrl() {
    return RedisTestSupport.url() + "?keyPrefix=" + REDIS.prefix();
  }
}
