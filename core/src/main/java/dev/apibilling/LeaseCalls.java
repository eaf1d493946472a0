package dev.apibilling;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The store calls of {@link LeasingStore}, counted: decisions sent to the store, and the reservations and
 * settlements of chunks and blocks. A settlement whose call fails, and a reservation whose call fails
 * (it may have been made all the same), are given to the store again by {@link #retryFailed}.
 */
final class LeaseCalls {

  private static final System.Logger LOG = System.getLogger(LeasingStore.class.getName());

  /**
   * How long a chunk's reservation outlives the latest end of its windows and of its history day (the
   * stores' default history retention): a chunk is settled long before, unless its instance crashed, and
   * then what it granted stays counted, in its windows and in the day's history.
   */
  static final long DRAWN_KEPT_MILLIS = Duration.ofDays(400).toMillis();

  private final UsageStore store;
  private final List<Failed> failed = new ArrayList<>();
  private final LongAdder calls = new LongAdder();

  LeaseCalls(UsageStore store) {
    this.store = store;
  }

  /** The number of store calls made. */
  long count() {
    return calls.sum();
  }

  /** A decision sent to the store. */
  ChargeResult charge(ChargeRequest r) {
    ChargeResult result = store.charge(r);
    calls.increment();
    return result;
  }

  /**
   * Reserves {@code credits} on the windows of {@code r} under {@code id} until {@code expiresAt}. If the
   * call fails it is released in the background (a chunk would otherwise be held long after its windows)
   * and the failure rethrown.
   */
  ChargeResult reserve(ChargeRequest r, String id, long credits, long expiresAt) {
    try {
      return charge(new ChargeRequest(r.clientId(), r.windows(), credits, ChargeMode.RESERVE, null, 0, id,
          expiresAt, r.epochDay(), Map.of(), r.now()));
    } catch (UsageStoreException e) {
      retry(new Failed(r.clientId(), id, 0, null));
      throw e;
    }
  }

  /**
   * Gives all of a block back, as the first step of a draw; false if the store no longer holds it (it
   * expired while its instance stalled). A failed call is retried in the background and rethrown.
   */
  boolean release(String clientId, String id, long now) {
    try {
      boolean settled = store.settle(new SettleRequest(clientId, id, 0, now));
      calls.increment();
      return settled;
    } catch (UsageStoreException e) {
      retry(new Failed(clientId, id, 0, null));
      throw e;
    }
  }

  /**
   * Settles a chunk ({@code lease} given, keeping {@code keep}) or gives a block back ({@code keep} 0);
   * a failed call is retried by {@link #retryFailed}. A chunk the store no longer holds because it expired
   * (it outlived its windows by {@link #DRAWN_KEPT_MILLIS}) has what it granted charged again; before its
   * expiry the store no longer holds it only because an earlier call settled it (one that failed after the
   * store had answered, e.g. a timeout or an interrupt), so nothing is charged again.
   *
   * @return whether the store settled it now
   */
  boolean settle(String clientId, String id, long keep, @Nullable Lease lease, long now) {
    return settle(new Failed(clientId, id, keep, lease), now);
  }

  private boolean settle(Failed f, long now) {
    boolean settled;
    try {
      settled = store.settle(new SettleRequest(f.clientId, f.id, f.keep, now));
    } catch (UsageStoreException e) {
      LOG.log(System.Logger.Level.WARNING, "lease " + f.id + " of " + f.clientId
          + " not settled yet, retrying: " + e.getMessage());
      retry(f);
      return false;
    }
    calls.increment();
    if (!settled && f.keep > 0 && f.lease != null && now >= f.lease.keptUntil) {
      recharge(f.lease, f.keep, now);
    }
    return settled;
  }

  /** Sends the failed settlements and releases again. */
  void retryFailed(long now) {
    List<Failed> again;
    synchronized (failed) {
      again = new ArrayList<>(failed);
      failed.clear();
    }
    for (Failed f : again) {
      settle(f, now);
    }
  }

  private void retry(Failed f) {
    synchronized (failed) {
      failed.add(f);
    }
  }

  /** The store no longer held a chunk when it was settled: charge what it granted. */
  private void recharge(Lease l, long granted, long now) {
    ChargeResult again = charge(new ChargeRequest(l.clientId, l.windows, granted, ChargeMode.CHARGE, null, 0,
        null, 0, l.epochDay, Map.of(), now));
    if (!again.granted()) {
      LOG.log(System.Logger.Level.ERROR, "lease " + l.id + " of " + l.clientId + " was given back by the store "
          + "before it was settled; its " + granted + " granted credits no longer fit the quotas");
    }
  }

  /** When a chunk's reservation may be given back by the store: long after its windows and day end. */
  static long keptUntil(ChargeRequest r) {
    long end = (r.epochDay() + 2) * 86_400_000L;
    for (WindowSlot w : r.windows()) {
      end = Math.max(end, w.end());
    }
    return end + DRAWN_KEPT_MILLIS;
  }

  /** A fresh reservation id (without a dot: local reservations are named after their chunk plus a dot). */
  static String newId() {
    return "lease-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  /** A settlement or release to send again. */
  private record Failed(String clientId, String id, long keep, @Nullable Lease lease) {}
}
