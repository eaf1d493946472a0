package dev.apibilling.servlet;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens {@code test-store:NAME} URLs (registered in META-INF/services), so a web.xml deployment picks a
 * {@link FlakyStore} through the filter's {@code store} init-param and the test can reach it by name.
 */
public final class TestStoreProvider implements UsageStoreProvider {

  private static final Map<String, FlakyStore> OPENED = new ConcurrentHashMap<>();

  static FlakyStore store(String name) {
    FlakyStore s = OPENED.get(name);
    if (s == null) {
      throw new AssertionError("no test-store:" + name + " was opened");
    }
    return s;
  }

  @Override
  public boolean supports(String url) {
    return url.startsWith("test-store:");
  }

  @Override
  public UsageStore open(String url) {
    FlakyStore store = new FlakyStore();
    OPENED.put(url.substring("test-store:".length()), store);
    return store;
  }
}
