package dev.apibilling.servlet;

import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.tck.ForwardingUsageStore;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory store that can be made to fail like a lost connection, and that tells a test when
 * requests have been settled (so a test waits for the filter's commit or release without sleeping). Settle
 * calls of the billing's background retries are counted apart from those of requests.
 */
final class FlakyStore extends ForwardingUsageStore {

  final InMemoryUsageStore delegate = InMemoryUsageStore.create();
  final AtomicBoolean failCharges = new AtomicBoolean();
  final AtomicBoolean failSettles = new AtomicBoolean();
  /** Answers as a store written before daily totals per operation (the SPI's default). */
  final AtomicBoolean noOperationHistory = new AtomicBoolean();
  final AtomicInteger charges = new AtomicInteger();
  final AtomicInteger settles = new AtomicInteger();
  private final Semaphore settled = new Semaphore(0);
  private final Semaphore retried = new Semaphore(0);

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
      (Thread.currentThread().getName().equals("apibilling-settlements") ? retried : settled).release();
    }
  }

  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    if (noOperationHistory.get()) {
      throw new UnsupportedOperationException("keeps no daily totals per operation (simulated)");
    }
    return delegate.history(clientId, operation, fromEpochDay, toEpochDay);
  }

  @Override
  protected UsageStore delegate() {
    return delegate;
  }

  /** Waits (bounded) until {@code n} more settle calls have finished since the last wait. */
  void awaitSettles(int n) throws InterruptedException {
    if (!settled.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError("expected " + n + " settle calls within 10 s, saw "
          + settled.availablePermits());
    }
  }

  /** Waits (bounded) until the billing's background retries have made {@code n} more settle calls. */
  void awaitRetries(int n) throws InterruptedException {
    if (!retried.tryAcquire(n, 10, TimeUnit.SECONDS)) {
      throw new AssertionError("expected " + n + " retried settle calls within 10 s");
    }
  }

  /** Settle calls finished and not yet awaited. */
  int pendingSettles() {
    return settled.availablePermits();
  }
}
