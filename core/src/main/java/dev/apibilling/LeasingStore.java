package dev.apibilling;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A store decorator that grants hot clients' plain charges from leased budgets ({@link LeaseSettings}).
 *
 * <p>A lease is two store reservations made from one client's demand: the <em>chunk</em> it grants from
 * ({@link Lease}) and the undrawn rest of its block ({@link LeaseBlock}), held for the lease TTL. Once half
 * of the chunk is spent, one caller draws the next from the block while the others go on granting: the
 * block is settled to nothing, the chunk reserved and the rest re-reserved as the block, so at every moment
 * each credit of the lease is counted in the store and only chunks' credits are ever granted locally.
 *
 * <p>Exactness, crash included: a chunk is a reservation that outlives every window it counts in (by
 * {@link LeaseCalls#DRAWN_KEPT_MILLIS}), so the store never gives back a credit granted from it, whatever
 * happens to this instance; a block, from which nothing is granted, comes back at the TTL. Every local grant
 * takes its credits from the chunk's {@code left} counter by compare-and-set, and ending a chunk swaps
 * {@code left} to {@link Lease#CLOSED} once, so its settlement keeps exactly the credits granted from it and gives
 * back exactly the rest. A reservation granted from a chunk holds it open until it is settled here (its
 * unused credits go back to the chunk, or off what the settlement keeps); the sweep settles a chunk that
 * local reservations still hold at its {@code drainBy}, keeping those reservations in full. Keyed charges,
 * charges of an operation with quotas of its own, and reservations made before leasing go to the store.
 */
final class LeasingStore implements UsageStore {

  private static final System.Logger LOG = System.getLogger(LeasingStore.class.getName());

  /** A block is drawn in this many chunks (fewer when a chunk would be under the smallest lease). */
  private static final long CHUNKS = 4;
  /** How long {@link #close} waits for the settlements the sweeper is making. */
  private static final long CLOSE_WAIT_SECONDS = 10;

  private final UsageStore store;
  private final LeaseCalls calls;
  private final LeaseSettings settings;
  private final Clock clock;
  private final long span;
  private final long ttl;
  private final ConcurrentHashMap<String, LeasedClient> clients = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Lease> leases = new ConcurrentHashMap<>();
  private final @Nullable ScheduledExecutorService sweeper;
  private final LongAdder grants = new LongAdder();
  private final LongAdder returns = new LongAdder();
  private final LongAdder returnedCredits = new LongAdder();
  private final LongAdder local = new LongAdder();

  /** @param sweep whether a daemon thread settles leases whose span has passed (tests settle by hand) */
  LeasingStore(UsageStore store, LeaseSettings settings, Clock clock, boolean sweep) {
    this.store = store;
    this.calls = new LeaseCalls(store);
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
    if (r.idempotencyKey() != null || r.operation() != null) {
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
          drawAhead(c, l, r);
          return granted;
        }
        Lease n = advance(c, l, r.now());
        granted = n == null ? null : fromLease(n, r);
        if (granted != null) {
          return granted;
        }
      }
      end(c, l, r.now());
    }
    if (hot && (c.renewing.tryLock() || awaitDraw(c))) {
      try {
        ChargeResult leased = lease(c, r);
        if (leased != null) {
          return leased;
        }
      } finally {
        c.renewing.unlock();
      }
    }
    return direct(c, r);
  }

  /**
   * Waits for the caller drawing or taking the client's next chunk, rather than sending the decision to the
   * store meanwhile (which would only load the store with calls as slow as the draw); then holds the lock.
   *
   * @return false, without the lock, if no chunk is being drawn
   */
  private static boolean awaitDraw(LeasedClient c) {
    if (!c.drawing) {
      return false;
    }
    c.renewing.lock();
    return true;
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
    long held = l == null || !l.windows.equals(r.windows()) ? 0 : Math.max(0, l.left.get());
    held += c == null ? 0 : undrawn(c, r.windows());
    if (!result.granted() && held > 0) {
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

  /**
   * A chunk covering {@code r}, drawn from the client's block or taken with a new lease; null if none is
   * taken (not worth it, or the store denied it). Called holding {@link LeasedClient#renewing}.
   */
  private @Nullable ChargeResult lease(LeasedClient c, ChargeRequest r) {
    Lease current = c.lease.get();
    if (current != null) {
      ChargeResult granted = current.serves(r) ? fromLease(current, r) : null;
      if (granted != null) {
        return granted;
      }
      end(c, current, r.now());
    }
    Lease ahead = c.next.getAndSet(null);
    if (ahead != null) {
      if (ahead.serves(r) && c.lease.compareAndSet(null, ahead)) {
        ChargeResult granted = fromLease(ahead, r);
        if (granted != null) {
          return granted;
        }
      }
      end(c, ahead, r.now());
    }
    LeaseBlock b = c.block;
    if (b != null && (!b.serves(r) || b.undrawn < r.credits())) {
      giveBack(c, b, r.now());
      b = null;
    }
    Lease l;
    c.drawing = true;
    try {
      l = b == null ? take(c, r) : draw(c, b, r);
    } finally {
      c.drawing = false;
    }
    if (l == null) {
      return null;
    }
    grants.increment();
    leases.put(l.id, l);
    ChargeResult granted = fromLease(l, r);
    c.lease.set(l);
    if (c.retired) {
      end(c, l, r.now());
      LeaseBlock rest = c.block;
      if (rest != null) {
        giveBack(c, rest, r.now());
      }
    }
    return granted;
  }

  /**
   * Draws the next chunk while {@code l} still grants: once half of it is spent, the first caller that finds
   * the client's lock free draws from the block, so that the others need not wait for the store when
   * {@code l} runs out.
   */
  private void drawAhead(LeasedClient c, Lease l, ChargeRequest r) {
    if (l.left.get() > l.block / 2 || c.block == null || c.next.get() != null || !c.renewing.tryLock()) {
      return;
    }
    try {
      LeaseBlock b = c.block;
      if (b != null && c.next.get() == null && c.lease.get() == l && b.serves(r) && b.undrawn >= r.credits()) {
        c.drawing = true;
        Lease n = draw(c, b, r);
        if (n != null) {
          grants.increment();
          leases.put(n.id, n);
          c.next.set(n);
        }
      }
    } catch (UsageStoreException e) {
      LOG.log(System.Logger.Level.WARNING, "drawing ahead for " + r.clientId() + " failed: " + e.getMessage());
    } finally {
      c.drawing = false;
      c.renewing.unlock();
    }
  }

  /** Puts the chunk drawn ahead in place of the spent {@code l} and ends {@code l}; null if there is none. */
  private @Nullable Lease advance(LeasedClient c, Lease l, long now) {
    Lease n = c.next.getAndSet(null);
    if (n == null) {
      return null;
    }
    if (!c.lease.compareAndSet(l, n)) {
      end(c, n, now);
      return null;
    }
    end(c, l, now);
    return n;
  }

  /** A new lease: its first chunk and, when the block is bigger, its undrawn rest; null if none is taken. */
  private @Nullable Lease take(LeasedClient c, ChargeRequest r) {
    long block = blockFor(c, r);
    if (block <= 0) {
      return null;
    }
    long smallest = Math.max(r.credits(), c.averageCost() * settings.minDecisions());
    long chunk = Math.max(smallest, (block + CHUNKS - 1) / CHUNKS);
    long until = Math.min(r.now() + span, r.now() + ttl);
    for (WindowSlot w : r.windows()) {
      until = Math.min(until, w.end());
    }
    LeaseBlock rest =
        new LeaseBlock(r.clientId(), LeaseCalls.newId(), r.windows(), r.epochDay(), r.now() + ttl, until, chunk);
    rest.undrawn = block;
    return chunkOf(c, rest, r, rest.nextChunk(r.credits()));
  }

  /**
   * The next chunk of a block. Without an atomic draw in the SPI this is three calls: the block is settled
   * to nothing, the chunk reserved, and the rest re-reserved as the block (under a new id). Between them
   * other instances may take the credits given back: the chunk or the rest is then denied and the lease
   * ends sooner, but nothing is ever counted twice or granted uncounted.
   */
  private @Nullable Lease draw(LeasedClient c, LeaseBlock b, ChargeRequest r) {
    long chunk = b.nextChunk(r.credits());
    c.block = null;
    if (!calls.release(r.clientId(), b.id, r.now())) {
      return take(c, r);
    }
    return chunkOf(c, b, r, chunk);
  }

  /**
   * Reserves {@code chunk} credits of {@code b}'s undrawn ones as a chunk that outlives its windows, then
   * the rest (if any) as the block; null if the store denied the chunk.
   */
  private @Nullable Lease chunkOf(LeasedClient c, LeaseBlock b, ChargeRequest r, long chunk) {
    String id = LeaseCalls.newId();
    long keptUntil = LeaseCalls.keptUntil(r);
    ChargeResult result = calls.reserve(r, id, chunk, keptUntil);
    if (!result.granted()) {
      c.remember(r.windows(), result.used());
      return null;
    }
    long rest = b.undrawn - chunk;
    long[] used = result.used();
    if (rest > 0) {
      String restId = b.nextId();
      ChargeResult again;
      try {
        again = calls.reserve(r, restId, rest, b.expiresAt);
      } catch (UsageStoreException e) {
        again = ChargeResult.of(false, used, null);
      }
      used = again.used();
      if (again.granted()) {
        b.id = restId;
        b.undrawn = rest;
        c.block = b;
      } else {
        b.undrawn = 0;
      }
    } else {
      b.undrawn = 0;
    }
    c.remember(r.windows(), used);
    long[] own = used.clone();
    for (int i = 0; i < own.length; i++) {
      own[i] -= b.undrawn;
    }
    return new Lease(r.clientId(), id, r.windows(), r.epochDay(), chunk, own, b.until, r.now() + ttl - span,
        keptUntil);
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
   * A store call; a denial while this instance's own lease holds unused credits (in its chunk or block) ends
   * the lease (giving them back) and asks the store once more, so the instance never denies credits it
   * holds itself.
   */
  private ChargeResult direct(@Nullable LeasedClient c, ChargeRequest r) {
    ChargeResult result = calls.charge(r);
    if (c == null) {
      return result;
    }
    Lease l = c.lease.get();
    if (!result.granted() && !result.replayed()
        && ((l != null && l.left.get() > 0) || c.block != null || c.next.get() != null)) {
      endAll(c, r.now());
      result = calls.charge(r);
    }
    if (!result.replayed()) {
      c.remember(r.windows(), result.used());
    }
    return result;
  }

  /**
   * The credits of the client's block and of its chunk drawn ahead for these windows, which this instance
   * may still grant.
   */
  private static long undrawn(LeasedClient c, List<WindowSlot> windows) {
    LeaseBlock b = c.block;
    Lease n = c.next.get();
    return (b != null && b.windows.equals(windows) ? b.undrawn : 0)
        + (n != null && n.windows.equals(windows) ? Math.max(0, n.left.get()) : 0);
  }

  /** Ends the client's chunks and gives its block back. */
  private void endAll(LeasedClient c, long now) {
    Lease l = c.lease.get();
    if (l != null) {
      end(c, l, now);
    }
    Lease n = c.next.getAndSet(null);
    if (n != null) {
      end(c, n, now);
    }
    c.renewing.lock();
    try {
      LeaseBlock b = c.block;
      if (b != null) {
        giveBack(c, b, now);
      }
    } finally {
      c.renewing.unlock();
    }
  }

  /** Ends a block: its undrawn credits go back to the store. Called holding the client's lock. */
  private void giveBack(LeasedClient c, LeaseBlock b, long now) {
    if (c.block == b) {
      c.block = null;
    }
    long undrawn = b.undrawn;
    b.undrawn = 0;
    if (calls.settle(b.clientId, b.id, 0, null, now)) {
      returnedCredits.add(undrawn);
    }
  }

  /**
   * Ends a chunk once: stops local grants, then settles it when no local reservation holds it, on the
   * sweeper's thread when there is one (the chunk stays counted until then, so nothing waits for it). Its
   * unused credits are noted under the chunk's lock, so that a settlement made meanwhile by
   * {@link #finish} (a sweep, {@link #settleAll}) never sees the chunk closed without them.
   */
  private void end(LeasedClient c, Lease l, long now) {
    c.lease.compareAndSet(l, null);
    synchronized (l) {
      long left = l.left.getAndSet(Lease.CLOSED);
      if (left < 0) {
        return;
      }
      l.unused = left;
    }
    if (sweeper != null) {
      try {
        sweeper.execute(() -> release(l, now));
        return;
      } catch (RejectedExecutionException e) {
        // closing: settled here
      }
    }
    release(l, now);
  }

  /** Drops one hold on a chunk (its own, or a local reservation's); the last one settles it. */
  private void release(Lease l, long now) {
    if (l.holds.decrementAndGet() == 0) {
      finish(l, now);
    }
  }

  /**
   * Settles a chunk in the store once: keeps what it granted (local reservations still open are kept in
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
    if (calls.settle(l.clientId, l.id, keep, l, now)) {
      returns.increment();
      returnedCredits.add(l.block - keep);
    }
  }

  /** Settles a reservation granted from a chunk: the credits not kept go back to the chunk. */
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

  /** Settles every chunk and block whose span has passed, retries failed settlements, forgets idle clients. */
  void sweep() {
    long now = clock.millis();
    calls.retryFailed(now);
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
      Lease n = c.next.get();
      if (n != null && now >= n.until && c.next.compareAndSet(n, null)) {
        end(c, n, now);
      }
      LeaseBlock b = c.block;
      if (b != null && now >= b.until && c.renewing.tryLock()) {
        try {
          if (c.block == b) {
            giveBack(c, b, now);
          }
        } finally {
          c.renewing.unlock();
        }
      }
      if (l == null && c.block == null && c.next.get() == null && now - c.lastSeen > 4 * span) {
        clients.computeIfPresent(e.getKey(), (k, v) -> {
          v.retired = true;
          if (v.lease.get() != null || v.block != null || v.next.get() != null) {
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
      endAll(c, now);
    }
    for (Lease l : leases.values()) {
      finish(l, now);
    }
  }

  UsageStore backend() {
    return store;
  }

  LeaseStats stats() {
    return new LeaseStats(grants.sum(), returns.sum(), returnedCredits.sum(), local.sum(), calls.count());
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
    if (c == null) {
      return used;
    }
    Lease l = c.lease.get();
    long own = undrawn(c, windows);
    if (l != null && l.windows.equals(windows)) {
      own += Math.max(0, l.left.get());
    }
    for (int i = 0; i < used.length; i++) {
      used[i] = Math.max(0, used[i] - own);
    }
    return used;
  }

  @Override
  public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
    return store.history(clientId, fromEpochDay, toEpochDay);
  }

  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    return store.history(clientId, operation, fromEpochDay, toEpochDay);
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    return store.deleteHistory(clientId, fromEpochDay, toEpochDay);
  }

  /**
   * Stops the sweeper, waits for the settlements it is making, then settles every lease and retries the
   * settlements that failed; does not close the store (its owner does). The sweeper is not interrupted: an
   * interrupted store call may still be made by the store while it is reported failed.
   */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdown();
      try {
        if (!sweeper.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
          LOG.log(System.Logger.Level.WARNING, "lease settlements still running after " + CLOSE_WAIT_SECONDS
              + " s; settling the rest while they run");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    settleAll();
    sweep();
  }
}
