package dev.apibilling.samples;

import dev.apibilling.spi.UsageStores;
import dev.apibilling.tck.TestServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two demos on one Redis share a budget. Each run adds a fresh {@code keyPrefix} (a query parameter of the
 * Redis store's URL) to the store URL, so it starts with no usage whatever earlier runs left, and deletes
 * the keys of its prefix at the end. Skips when Redis is not reachable, fails instead when
 * {@code APIBILLING_REQUIRE_SERVERS=true}.
 */
final class SharedRedisBudgetIT extends SharedBudgetContract {

  private final String redisUrl = TestServers.redisUrl();
  private final String keyPrefix =
      "apibilling-samples-it-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

  @Override
  String freshStoreUrl() {
    URI redis = URI.create(redisUrl);
    TestServers.assumeReachable("Redis", redis.getHost(), redis.getPort() < 0 ? 6379 : redis.getPort());
    return redisUrl + (redisUrl.contains("?") ? "&" : "?") + "keyPrefix=" + keyPrefix;
  }

  @Override
  String loggedStore() {
    return UsageStores.redacted(redisUrl);
  }

  @Override
  void deleteRunData() {
    RedisClient client = RedisClient.create(redisUrl);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      ScanArgs match = ScanArgs.Builder.matches(keyPrefix + "*").limit(500);
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = connection.sync().scan(cursor, match);
        if (!page.getKeys().isEmpty()) {
          connection.sync().unlink(page.getKeys().toArray(new String[0]));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }
}
