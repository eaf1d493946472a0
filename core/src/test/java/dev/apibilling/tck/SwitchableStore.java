package dev.apibilling.tck;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;

/** A store that delegates to another until {@link #fail(boolean)} makes every call throw. */
public final class SwitchableStore extends ForwardingUsageStore {

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

  @Override
  protected UsageStore delegate() {
    if (failing) {
      throw new UsageStoreException("store unavailable (simulated)");
    }
    return delegate;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
