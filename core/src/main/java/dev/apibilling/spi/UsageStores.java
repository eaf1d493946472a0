package dev.apibilling.spi;

import dev.apibilling.memory.InMemoryUsageStore;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Opens stores by URL: {@code memory}, or any URL a {@link UsageStoreProvider} on the class path supports. */
public final class UsageStores {

  private UsageStores() {}

  /**
   * Opens the store {@code url} names: {@code memory} (or {@code memory:}) for a new in-memory store,
   * {@code redis://...} with {@code apibilling-store-redis}, {@code jdbc:...} with
   * {@code apibilling-store-jdbc} on the class path.
   *
   * @throws IllegalArgumentException if no provider supports the URL or it is malformed
   * @throws UsageStoreException if the backend cannot be reached
   */
  public static UsageStore open(String url) {
    String trimmed = url.trim();
    if (trimmed.equals("memory") || trimmed.equals("memory:")) {
      return InMemoryUsageStore.create();
    }
    List<String> known = new ArrayList<>();
    for (UsageStoreProvider p : ServiceLoader.load(UsageStoreProvider.class, UsageStores.class.getClassLoader())) {
      if (p.supports(trimmed)) {
        return p.open(trimmed);
      }
      known.add(p.getClass().getName());
    }
    String scheme = trimmed.contains(":") ? trimmed.substring(0, trimmed.indexOf(':') + 1) : trimmed;
    throw new IllegalArgumentException("no usage store supports '" + scheme + "' URLs; use 'memory', "
        + "'redis://' (apibilling-store-redis) or 'jdbc:' (apibilling-store-jdbc) with the module on the "
        + "class path (providers found: " + known + ")");
  }
}
