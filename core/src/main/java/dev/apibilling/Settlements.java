package dev.apibilling;

import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import java.time.Clock;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Settlements the store did not answer, retried on one background thread until the store answers or the
 * reservation expires. Settling is idempotent by reservation id, so a retry of a call that was in fact
 * applied answers {@code false} and changes nothing.
 *
 * <ul>
 *   <li>A failed commit or release is sent again, as it was, until the store answers.
 *   <li>A failed reserve may still be applied late (the command reached the store, the answer did not
 *       come back): its release is sent until the store gives credits back or the reservation expires,
 *       since an answer of "unknown reservation" may come before the late reserve does.
 * </ul>
 *
 * <p>At most {@code capacity} settlements wait (one per reservation id, the first asked for wins); more
 * are dropped and counted. While the store fails, the thread backs off from 100 ms to 2 s between
 * attempts. Time is the billing's clock for expiry and real time for the pauses. Thread safe.
 */
final class Settlements implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Settlements.class.getName());
  private static final long FIRST_PAUSE_MILLIS = 100;
  private static final long MAX_PAUSE_MILLIS = 2_000;
  private static final long MAX_POLL_MILLIS = 2_000;

  private final UsageStore store;
  private final Clock clock;
  private final int capacity;
  private final BillingListener[] listeners;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final LongAdder settled = new LongAdder();
  private final LongAdder unsettled = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder unsettledCredits = new LongAdder();
  private final LongAdder servedUnbilled = new LongAdder();
  private volatile @Nullable ScheduledExecutorService executor;
  private volatile @Nullable ScheduledFuture<?> next;
  private volatile boolean backingOff;
  private volatile boolean closed;
  private long pauseMillis = FIRST_PAUSE_MILLIS; // worker thread only

  Settlements(UsageStore store, Clock clock, int capacity, BillingListener[] listeners) {
    this.store = store;
    this.clock = clock;
    this.capacity = capacity;
    this.listeners = listeners;
  }

  /** Retries a commit or release the store failed to answer, until {@code expiresAt} (epoch ms). */
  void retry(SettleRequest request, long expiresAt) {
    add(new Pending(request, expiresAt, request.actualCredits() == 0 ? "release" : "commit"));
  }

  /** Gives back the reservation of a reserve call that failed, in case the store applies it late. */
  void compensate(String clientId, String reservationId, long expiresAt) {
    add(new Pending(new SettleRequest(clientId, reservationId, 0, clock.millis()), expiresAt, "compensate"));
  }

  /**
   * A call of a request just succeeded: if the retries are backing off from a failing store, they run
   * now instead of after the pause, so what a late reserve holds is given back within moments of the
   * store's return. Costs one volatile read otherwise.
   */
  void storeAnswered() {
    if (!backingOff) {
      return;
    }
    backingOff = false;
    ScheduledFuture<?> f = next;
    if (f != null && f.cancel(false)) {
      scheduled.set(false);
      schedule(0);
    }
  }

  void servedUnbilled(String clientId, long credits) {
    servedUnbilled.increment();
    for (BillingListener l : listeners) {
      try {
        l.onServedUnbilled(clientId, credits);
      } catch (RuntimeException ignored) {
        // listeners must not break billing
      }
    }
  }

  StoreFaults faults() {
    return new StoreFaults(size.get(), settled.sum(), unsettled.sum(), dropped.sum(), unsettledCredits.sum(),
        servedUnbilled.sum());
  }

  @Override
  public void close() {
    closed = true;
    ScheduledExecutorService e = executor;
    if (e != null) {
      e.shutdownNow();
    }
  }

  private void add(Pending p) {
    if (closed || size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      dropped.increment();
      end(p, "dropped");
      return;
    }
    if (pending.putIfAbsent(p.request.reservationId(), p) != null) {
      size.decrementAndGet(); // already retried: the first settlement asked for wins
      return;
    }
    notify(p, "queued");
    schedule(FIRST_PAUSE_MILLIS);
  }

  private void schedule(long delayMillis) {
    if (closed || !scheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      next = worker().schedule(this::run, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      scheduled.set(false); // shut down meanwhile
    }
  }

  private ScheduledExecutorService worker() {
    ScheduledExecutorService e = executor;
    if (e == null) {
      synchronized (this) {
        e = executor;
        if (e == null) {
          ScheduledThreadPoolExecutor created = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "apibilling-settlements");
            t.setDaemon(true);
            return t;
          });
          created.setRemoveOnCancelPolicy(true);
          executor = e = created;
        }
      }
    }
    return e;
  }

  private void run() {
    scheduled.set(false);
    long next = MAX_POLL_MILLIS;
    try {
      next = attemptDue();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "retrying settlements failed", e);
    }
    if (!pending.isEmpty()) {
      schedule(next);
    }
  }

  /** One pass over what is due; returns the pause before the next pass, in milliseconds. */
  private long attemptDue() {
    long nowNanos = System.nanoTime();
    long next = MAX_POLL_MILLIS;
    for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
      Pending p = it.next();
      long now = clock.millis();
      if (now >= p.expiresAt) {
        remove(it, p, p.answered ? "settled" : "unsettled");
        continue;
      }
      long wait = TimeUnit.NANOSECONDS.toMillis(p.dueNanos - nowNanos);
      if (wait > 0) {
        next = Math.min(next, wait);
        continue;
      }
      boolean gaveBack;
      try {
        SettleRequest r = p.request;
        gaveBack = store.settle(new SettleRequest(r.clientId(), r.reservationId(), r.actualCredits(), now));
      } catch (UsageStoreException e) {
        pauseMillis = Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
        backingOff = true;
        return pauseMillis; // the store is still failing: try again later, not every entry now
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot settle reservation " + p.request.reservationId(), e);
        remove(it, p, "unsettled");
        continue;
      }
      pauseMillis = FIRST_PAUSE_MILLIS;
      backingOff = false;
      p.answered = true;
      if (gaveBack || !p.operation.equals("compensate")) {
        remove(it, p, "settled");
      } else {
        p.pollMillis = Math.min(MAX_POLL_MILLIS, p.pollMillis * 2); // a late reserve may still arrive
        p.dueNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.pollMillis);
        next = Math.min(next, p.pollMillis);
      }
    }
    return next;
  }

  private void remove(Iterator<Pending> it, Pending p, String outcome) {
    it.remove();
    size.decrementAndGet();
    if (outcome.equals("settled")) {
      settled.increment();
    } else {
      unsettled.increment();
    }
    end(p, outcome);
  }

  private void end(Pending p, String outcome) {
    if (!outcome.equals("settled") && !p.operation.equals("compensate")) {
      unsettledCredits.add(p.request.actualCredits());
    }
    notify(p, outcome);
  }

  private void notify(Pending p, String outcome) {
    for (BillingListener l : listeners) {
      try {
        l.onSettlementRetry(p.request.clientId(), p.operation, outcome, p.request.actualCredits());
      } catch (RuntimeException ignored) {
        // listeners must not break billing
      }
    }
  }

  /** One settlement waiting for the store; its mutable fields are the worker thread's. */
  private static final class Pending {
    final SettleRequest request;
    final long expiresAt;
    final String operation;
    boolean answered;
    long pollMillis = FIRST_PAUSE_MILLIS;
    long dueNanos = System.nanoTime();

    Pending(SettleRequest request, long expiresAt, String operation) {
      this.request = request;
      this.expiresAt = expiresAt;
      this.operation = operation;
    }
  }
}
