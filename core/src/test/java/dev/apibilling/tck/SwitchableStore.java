package dev.apibilling.tck;

import dev.apibilling.DailyUsage;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.util.List;

/** A store that delegates to another until {@link #fail(boolean)} makes every call throw. */
public final class SwitchableStore implements UsageStore {

  private final UsageStore delegate;
  private volatile boolean failing;

  public SwitchableStore(UsageStore delegate) {
    this.delegate = delegate;
  }

  /** From now on every call throws {@link UsageStoreException} ({@code true}) or delegates ({@code false}). */
  public SwitchableStore fail(boolean failing) {
    this.failing = failing;
    return this;
  }

  private void check() {
    if (failing) {
      throw new UsageStoreException("store unavailable (simulated)");
    }
  }

  @Override
  public ChargeResult charge(ChargeRequest request) {
    check();
    return delegate.charge(request);
  }

  @Override
  public boolean settle(SettleRequest request) {
    check();
    return delegate.settle(request);
  }

  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    check();
    return delegate.usage(clientId, windows, now);
  }

  @Override
  public List<DailyUsage> history(String clientId, long fromEpochDay, long toEpochDay) {
    check();
    return delegate.history(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    check();
    return delegate.deleteHistory(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
