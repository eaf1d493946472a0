package dev.apibilling.redis;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;

/**
 * Opens a {@link RedisUsageStore} for {@code redis://} and {@code rediss://} URLs, so that
 * {@code UsageStores.open("redis://127.0.0.1:6379")} works with this module on the class path. The URL
 * is read as by {@link RedisUsageStore#builder(String)} (query parameters {@code keyPrefix} and
 * {@code timeout}). Registered in {@code META-INF/services}.
 */
public final class RedisUsageStoreProvider implements UsageStoreProvider {

  /** Called by {@link java.util.ServiceLoader}. */
  public RedisUsageStoreProvider() {}

  @Override
  public boolean supports(String url) {
    return RedisUrl.supports(url);
  }

  /**
   * Connects with the default settings, overridden by the URL's query parameters.
   *
   * @throws IllegalArgumentException naming the URL (password masked) if it is malformed
   * @throws dev.apibilling.spi.UsageStoreException if Redis cannot be reached
   */
  @Override
  public UsageStore open(String url) {
    return RedisUsageStore.connect(url);
  }
}
