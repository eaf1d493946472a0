package dev.apibilling.spring.boot;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;
import dev.apibilling.tck.ForwardingUsageStore;

/** Opens {@code test://} URLs, as a store module's provider opens {@code redis://} or {@code jdbc:}. */
public final class TestStoreProvider implements UsageStoreProvider {

  @Override
  public boolean supports(String url) {
    return url.startsWith("test://");
  }

  @Override
  public UsageStore open(String url) {
    return new OpenedStore(url, InMemoryUsageStore.create());
  }

  /** An in-memory store that remembers the URL it was opened with. */
  static final class OpenedStore extends ForwardingUsageStore {
    private final String url;
    private final UsageStore delegate;

    OpenedStore(String url, UsageStore delegate) {
      this.url = url;
      this.delegate = delegate;
    }

    String url() {
      return url;
    }

    @Override
    protected UsageStore delegate() {
      return delegate;
    }
  }
}
