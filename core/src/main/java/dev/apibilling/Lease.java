package dev.apibilling;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chunk of a lease, the credits this instance grants from: a store reservation kept long after its
 * windows end (so a crash never gives back what was granted from it), settled when the chunk ends.
 */
final class Lease {
  static final long CLOSED = -1;
  final String clientId;
  final String id;
  final List<WindowSlot> windows;
  final long epochDay;
  final long block;
  private final long[] usedAtGrant;
  final long until;
  final long drainBy;
  /** When the store may give the chunk's reservation back by itself ({@link LeaseCalls#keptUntil}). */
  final long keptUntil;
  final AtomicLong left;
  final AtomicInteger holds = new AtomicInteger(1);
  final AtomicLong sequence = new AtomicLong();
  final ConcurrentHashMap<String, Long> reservations = new ConcurrentHashMap<>();
  volatile long unused;
  volatile long reservationsExpireBy;
  long refunded;
  boolean finished;

  Lease(String clientId, String id, List<WindowSlot> windows, long epochDay, long block, long[] usedAtGrant,
      long until, long drainBy, long keptUntil) {
    this.clientId = clientId;
    this.id = id;
    this.windows = windows;
    this.epochDay = epochDay;
    this.block = block;
    this.usedAtGrant = usedAtGrant;
    this.until = until;
    this.drainBy = drainBy;
    this.keptUntil = keptUntil;
    this.reservationsExpireBy = drainBy;
    this.left = new AtomicLong(block);
  }

  /** Holds the lease open for a local reservation; false once it is settled. */
  boolean hold() {
    while (true) {
      int h = holds.get();
      if (h == 0) {
        return false;
      }
      if (holds.compareAndSet(h, h + 1)) {
        return true;
      }
    }
  }

  /** Gives credits back: to the block while it grants, else off what its settlement keeps. */
  void refund(long credits) {
    while (true) {
      long l = left.get();
      if (l == CLOSED) {
        refunded += credits;
        return;
      }
      if (left.compareAndSet(l, l + credits)) {
        return;
      }
    }
  }

  /** Whether a request may be granted from this lease: same windows and day, span not passed. */
  boolean serves(ChargeRequest r) {
    return r.now() < until && r.epochDay() == epochDay
        && (r.windows() == windows || r.windows().equals(windows));
  }

  /** Takes credits; returns what is left after, or {@code -1} (nothing taken) if they do not fit. */
  long take(long credits) {
    while (true) {
      long l = left.get();
      if (l < credits) {
        return -1;
      }
      if (left.compareAndSet(l, l - credits)) {
        return l - credits;
      }
    }
  }

  /** The counts to report: the store's at grant time without the lease's unused credits. */
  long[] used(long leftAfter) {
    long[] used = new long[usedAtGrant.length];
    for (int i = 0; i < used.length; i++) {
      used[i] = usedAtGrant[i] - leftAfter;
    }
    return used;
  }
}
