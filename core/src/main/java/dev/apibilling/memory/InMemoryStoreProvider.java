package dev.apibilling.memory;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;

/**
 * Opens a new {@link InMemoryUsageStore} for the URL {@code memory} (or {@code memory:}), like the store
 * modules' providers open theirs; registered in core's {@code META-INF/services}.
 */
public final class InMemoryStoreProvider implements UsageStoreProvider {

  /** The constructor {@link java.util.ServiceLoader} calls. */
  public InMemoryStoreProvider() {}

  @Override
  public boolean supports(String url) {
    String trimmed = url.trim();
    return trimmed.equals("memory") || trimmed.equals("memory:");
  }

  @Override
  public UsageStore open(String url) {
    if (!supports(url)) {
      throw new IllegalArgumentException("an in-memory store URL must be 'memory' or 'memory:' but was '"
          + url.trim() + "'");
    }
    return InMemoryUsageStore.create();
  }
}
