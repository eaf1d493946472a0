package dev.apibilling.spring.boot;

import dev.apibilling.DailyUsage;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;
import dev.apibilling.spi.WindowSlot;
import java.util.List;

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
  record OpenedStore(String url, UsageStore delegate) implements UsageStore {
    @Override
    public ChargeResult charge(ChargeRequest request) {
      return delegate.charge(request);
    }

    @Override
    public boolean settle(SettleRequest request) {
      return delegate.settle(request);
    }

    @Override
    public long[] usage(String clientId, List<WindowSlot> windows, long now) {
      return delegate.usage(clientId, windows, now);
    }

    @Override
    public List<DailyUsage> history(String clientId, long fromEpochDay, long toEpochDay) {
      return delegate.history(clientId, fromEpochDay, toEpochDay);
    }

    @Override
    public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
      return delegate.deleteHistory(clientId, fromEpochDay, toEpochDay);
    }
  }
}
