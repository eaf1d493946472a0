package dev.apibilling.servlet;

import dev.apibilling.DailyUsage;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory store that can be made to fail like a lost connection, and that tells a test when
 * requests have been settled (so a test waits for the filter's commit or release without sleeping).
 */
final class FlakyStore implements UsageStore {

  final InMemoryUsageStore delegate = InMemoryUsageStore.create();
  final AtomicBoolean failCharges = new AtomicBoolean();
  final AtomicBoolean failSettles = new AtomicBoolean();
  final AtomicInteger charges = new AtomicInteger();
  final AtomicInteger settles = new AtomicInteger();
  private final Semaphore settled = new Semaphore(0);

  @Override
  public ChargeResult charge(ChargeRequest request) {
    charges.incrementAndGet();
    if (failCharges.get()) {
      throw new UsageStoreException("connection reset (simulated)");
    }
    return delegate.charge(request);
  }

  @Override
  public boolean settle(SettleRequest request) {
    try {
      settles.incrementAndGet();
      if (failSettles.get()) {
        throw new UsageStoreException("connection reset (simulated)");
      }
      return delegate.settle(request);
    } finally {
      settled.release();
    }
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

  /** Waits (bounded) until {@code n} more settle calls have finished since the last wait. */
  void awaitSettles(int n) throws InterruptedException {
    if (!settled.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError("expected " + n + " settle calls within 10 s, saw "
          + settled.availablePermits());
    }
  }

  /** Settle calls finished and not yet awaited. */
  int pendingSettles() {
    return settled.availablePermits();
  }
}
