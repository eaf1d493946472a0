package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.KilledExporterContract;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code kill -9} of an exporting process on the real Redis loses no event. */
final class RedisKilledExporterTest extends KilledExporterContract {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("killed");

  @Override
  protected UsageStore newStore() {
    return RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix()).build();
  }

  @Override
  protected Class<?> exporterMain() {
    return RedisKilledExporterTest.class;
  }

  @Override
  protected List<String> exporterArgs() {
    return List.of(RedisTestSupport.url(), REDIS.prefix());
  }

  /** The exporting process: {@code <redis url> <key prefix> <receiver uri>}. */
  public static void main(String[] args) throws InterruptedException {
    UsageStore store = RedisUsageStore.builder(args[0]).keyPrefix(args[1]).build();
    exportForever(store, URI.create(args[2]));
  }
}
