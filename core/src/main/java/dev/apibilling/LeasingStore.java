package dev.apibilling;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A store decorator that grants hot clients' plain charges from leased blocks ({@link LeaseSettings}).
 *
 * <p>Exactness: a lease is a store reservation of {@code block} credits; every local grant takes its
 * credits from the lease's {@code left} counter by compare-and-set, and ending a lease swaps {@code left}
 * to {@link Lease#CLOSED} once, so the settlement keeps exactly the credits granted from it and gives back
 * exactly the rest. A reservation granted from a lease holds it open until it is settled here (its unused
 * credits go back to the block, or off what the settlement keeps); the sweep settles a lease that local
 * reservations still hold at its {@code drainBy} ({@code ttl - span} after it was taken, so before the
 * store would release it), keeping those reservations in full. Keyed charges and reservations, and
 * reservations made before leasing, go to the store.
 */
final class LeasingStore implements UsageStore {

  private static final System.Logger LOG = System.getLogger(LeasingStore.class.getName());

  private final UsageStore store;
  private final LeaseSettings settings;
  private final Clock clock;
  private final long span;
  private final long ttl;
  private final ConcurrentHashMap<String, LeasedClient> clients = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private final List<Unsettled> unsettled = new ArrayList<>();
  private final @Nullable ScheduledExecutorService sweeper;
  private final LongAdder grants = new LongAdder();
  private final LongAdder returns = new LongAdder();
  private final LongAdder returnedCredits = new LongAdder();
  private final LongAdder local = new LongAdder();
  private final LongAdder direct = new LongAdder();

  /** @param sweep whether a daemon thread settles leases whose span has passed (tests settle by hand) */
  LeasingStore(UsageStore store, LeaseSettings settings, Clock clock, boolean sweep) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.span = settings.span().toMillis();
    this.ttl = settings.ttl().toMillis();
    if (sweep) {
      sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "apibilling-leases");
        t.setDaemon(true);
        return t;
      });
      long period = Math.max(1, span / 4);
      sweeper.scheduleWithFixedDelay(this::sweepQuietly, period, period, TimeUnit.MILLISECONDS);
    } else {
      sweeper = null;
    }
  }

  @Override
  public ChargeResult charge(ChargeRequest r) {
    if (r.idempotencyKey() != null) {
      return direct(clients.get(r.clientId()), r);
    }
    if (r.mode() == ChargeMode.CHECK) {
      return check(r);
    }
    LeasedClient c = clients.computeIfAbsent(r.clientId(), k -> new LeasedClient());
    boolean hot = c.count(r.now(), r.credits(), span, settings.hotDecisions());
    Lease l = c.lease.get();
    if (l != null) {
      if (l.serves(r)) {
        ChargeResult granted = fromLease(l, r);
        if (granted != null) {
          return granted;
        }
      }
      end(c, l, r.now());
    }
    if (hot && c.renewing.compareAndSet(false, true)) {
      try {
        ChargeResult leased = lease(c, r);
        if (leased != null) {
          return leased;
        }
      } finally {
        c.renewing.set(false);
      }
    }
    return direct(c, r);
  }

  /**
   * A charge or reservation granted from the lease, or null if the lease lacks the credits. A local
   * reservation holds the lease open (unsettled in the store) until it is settled here.
   */
  private @Nullable ChargeResult fromLease(Lease l, ChargeRequest r) {
    boolean reserve = r.mode() == ChargeMode.RESERVE;
    if (reserve && !l.hold()) {
      return null;
    }
    long left = l.take(r.credits());
    if (left < 0) {
      if (reserve) {
        release(l, r.now());
      }
      return null;
    }
    String id = null;
    if (reserve) {
      id = l.id + "." + l.sequence.incrementAndGet();
      l.reservations.put(id, r.credits());
      l.reservationsExpireBy = Math.max(l.reservationsExpireBy, r.reservationExpiresAt());
    }
    local.increment();
    return ChargeResult.of(true, l.used(left), id);
  }

  /** A check answered from the lease when it can, else by the store as if the own lease were given back. */
  private ChargeResult check(ChargeRequest r) {
    LeasedClient c = clients.get(r.clientId());
    Lease l = c == null ? null : c.lease.get();
    if (l != null && l.serves(r)) {
      long left = l.left.get();
      if (left >= r.credits()) {
        local.increment();
        return ChargeResult.of(true, l.used(left - r.credits()), null);
      }
    }
    ChargeResult result = direct(c, r);
    long held = l == null ? 0 : l.left.get();
    if (!result.granted() && held > 0 && l.windows.equals(r.windows())) {
      long[] used = result.used().clone();
      for (int i = 0; i < used.length; i++) {
        used[i] -= held;
      }
      if (r.admits(used)) {
        for (int i = 0; i < used.length; i++) {
          used[i] += r.credits();
        }
        return ChargeResult.of(true, used, null);
      }
    }
    return result;
  }

  /** Takes a lease covering {@code r}; null if none is taken (not worth it, or the store denied it). */
  private @Nullable ChargeResult lease(LeasedClient c, ChargeRequest r) {
    Lease current = c.lease.get();
    if (current != null) {
      ChargeResult granted = current.serves(r) ? fromLease(current, r) : null;
      if (granted != null) {
        return granted;
      }
      end(c, current, r.now());
    }
    long block = blockFor(c, r);
    if (block <= 0) {
      return null;
    }
    String id = "lease-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    long expiresAt = r.now() + ttl;
    ChargeRequest reserve = new ChargeRequest(r.clientId(), r.windows(), block, ChargeMode.RESERVE, null, 0,
        id, expiresAt, r.epochDay(), Map.of(), r.now());
    ChargeResult result = store.charge(reserve);
    direct.increment();
    if (!result.granted()) {
      c.remember(r.windows(), result.used());
      return null;
    }
    long until = Math.min(r.now() + span, expiresAt);
    for (WindowSlot w : r.windows()) {
      until = Math.min(until, w.end());
    }
    Lease l = new Lease(r.clientId(), id, r.windows(), r.epochDay(), block, result.used(), until,
        expiresAt - span);
    grants.increment();
    leases.put(id, l);
    ChargeResult granted = fromLease(l, r);
    c.lease.set(l);
    if (c.retired) {
      end(c, l, r.now());
    }
    c.remember(r.windows(), result.used());
    return granted;
  }

  /**
   * The block to lease: one span of this instance's demand, at most {@code maxShare} of every bounded
   * quota's remaining credits, and nothing when that is under {@code minDecisions} average charges.
   */
  private long blockFor(LeasedClient c, ChargeRequest r) {
    long[] used = c.knownUsed(r.windows());
    if (used == null) {
      return 0;
    }
    long block = Math.max(c.demandCredits(), r.credits());
    for (int i = 0; i < used.length; i++) {
      WindowSlot w = r.windows().get(i);
      if (!w.unlimited()) {
        block = Math.min(block, (long) ((w.limit() - used[i]) * settings.maxShare()));
      }
    }
    long smallest = Math.max(r.credits(), c.averageCost() * settings.minDecisions());
    return block < smallest ? 0 : block;
  }

  /**
   * A store call; a denial while this instance's own lease holds unused credits ends the lease (giving
   * them back) and asks the store once more, so the instance never denies credits it holds itself.
   */
  private ChargeResult direct(@Nullable LeasedClient c, ChargeRequest r) {
    ChargeResult result = store.charge(r);
    direct.increment();
    if (c == null) {
      return result;
    }
    Lease l = c.lease.get();
    if (!result.granted() && !result.replayed() && l != null && l.left.get() > 0) {
      end(c, l, r.now());
      result = store.charge(r);
      direct.increment();
    }
    if (!result.replayed()) {
      c.remember(r.windows(), result.used());
    }
    return result;
  }

  /** Ends a lease once: stops local grants, then settles it when no local reservation holds it. */
  private void end(LeasedClient c, Lease l, long now) {
    c.lease.compareAndSet(l, null);
    long left = l.left.getAndSet(Lease.CLOSED);
    if (left < 0) {
      return;
    }
    l.unused = left;
    release(l, now);
  }

  /** Drops one hold on a lease (its own, or a local reservation's); the last one settles it. */
  private void release(Lease l, long now) {
    if (l.holds.decrementAndGet() == 0) {
      finish(l, now);
    }
  }

  /**
   * Settles a lease in the store once: keeps what it granted (local reservations still open are kept in
   * full) and gives back the rest.
   */
  private void finish(Lease l, long now) {
    long keep;
    synchronized (l) {
      if (l.finished) {
        return;
      }
      l.finished = true;
      long left = l.left.getAndSet(Lease.CLOSED);
      if (left >= 0) {
        l.unused = left;
      }
      keep = l.block - l.unused - l.refunded;
      if (l.reservations.isEmpty()) {
        leases.remove(l.id);
      }
    }
    settle(l, keep, now);
  }

  private void settle(Lease l, long keep, long now) {
    boolean settled;
    try {
      settled = store.settle(new SettleRequest(l.clientId, l.id, keep, now));
    } catch (UsageStoreException e) {
      LOG.log(System.Logger.Level.WARNING, "lease " + l.id + " of " + l.clientId
          + " not settled yet, retrying: " + e.getMessage());
      synchronized (unsettled) {
        unsettled.add(new Unsettled(l, keep));
      }
      return;
    }
    direct.increment();
    returns.increment();
    if (settled) {
      returnedCredits.add(l.block - keep);
    } else if (keep > 0) {
      recharge(l, keep, now);
    }
  }

  /** Settles a reservation granted from a lease: the credits not kept go back to the lease. */
  private boolean settleLocal(Lease l, SettleRequest request) {
    if (!l.clientId.equals(request.clientId())) {
      return false;
    }
    synchronized (l) {
      Long reserved = l.reservations.remove(request.reservationId());
      if (reserved == null) {
        return false;
      }
      if (l.finished) {
        return true;
      }
      l.refund(reserved - request.actualCredits());
    }
    release(l, request.now());
    return true;
  }

  /** The store released a lease before it was settled (a stall past its TTL): charge what it granted. */
  private void recharge(Lease l, long granted, long now) {
    ChargeResult again = store.charge(new ChargeRequest(l.clientId, l.windows, granted, ChargeMode.CHARGE, null,
        0, null, 0, l.epochDay, Map.of(), now));
    if (!again.granted()) {
      LOG.log(System.Logger.Level.ERROR, "lease " + l.id + " of " + l.clientId + " expired in the store "
          + "before it was settled; its " + granted + " granted credits no longer fit the quotas");
    }
  }

  /** Settles every lease whose span has passed, retries failed settlements, forgets idle clients. */
  void sweep() {
    long now = clock.millis();
    List<Unsettled> retry;
    synchronized (unsettled) {
      retry = new ArrayList<>(unsettled);
      unsettled.clear();
    }
    for (Unsettled u : retry) {
      settle(u.lease, u.keep, now);
    }
    for (Lease l : leases.values()) {
      if (now >= l.drainBy) {
        finish(l, now);
      }
      if (now >= l.reservationsExpireBy) {
        leases.remove(l.id);
      }
    }
    for (Map.Entry<String, LeasedClient> e : clients.entrySet()) {
      LeasedClient c = e.getValue();
      Lease l = c.lease.get();
      if (l != null && now >= l.until) {
        end(c, l, now);
      }
      if (l == null && now - c.lastSeen > 4 * span) {
        clients.computeIfPresent(e.getKey(), (k, v) -> {
          v.retired = true;
          if (v.lease.get() != null) {
            v.retired = false;
            return v;
          }
          return null;
        });
      }
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "lease sweep failed: " + e);
    }
  }

  /** Ends every lease now and settles it (local reservations still open are kept in full). */
  void settleAll() {
    long now = clock.millis();
    for (LeasedClient c : clients.values()) {
      Lease l = c.lease.get();
      if (l != null) {
        end(c, l, now);
      }
    }
    for (Lease l : leases.values()) {
      finish(l, now);
    }
  }

  UsageStore backend() {
    return store;
  }

  LeaseStats stats() {
    return new LeaseStats(grants.sum(), returns.sum(), returnedCredits.sum(), local.sum(), direct.sum());
  }

  @Override
  public boolean settle(SettleRequest request) {
    String id = request.reservationId();
    int dot = id.indexOf('.');
    Lease l = dot < 0 ? null : leases.get(id.substring(0, dot));
    if (l != null) {
      return settleLocal(l, request);
    }
    return store.settle(request);
  }

  /** The store's counts without this instance's unused lease credits (which it may still grant). */
  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    long[] used = store.usage(clientId, windows, now);
    LeasedClient c = clients.get(clientId);
    Lease l = c == null ? null : c.lease.get();
    if (l != null && l.windows.equals(windows)) {
      long left = Math.max(0, l.left.get());
      for (int i = 0; i < used.length; i++) {
        used[i] = Math.max(0, used[i] - left);
      }
    }
    return used;
  }

  @Override
  public List<DailyUsage> history(String clientId, long fromEpochDay, long toEpochDay) {
    return store.history(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    return store.deleteHistory(clientId, fromEpochDay, toEpochDay);
  }

  /** Stops the sweeper and settles every lease; does not close the store (its owner does). */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
    settleAll();
    sweep();
  }

  /** A settlement the store failed, retried by the sweep. */
  private record Unsettled(Lease lease, long keep) {}
}
