package dev.apibilling;

import dev.apibilling.spi.WindowSlot;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/** What this instance knows of one client: its demand, its lease and block, the store's last counts. */
final class LeasedClient {
  final AtomicReference<@Nullable Lease> lease = new AtomicReference<>();
  /** The chunk drawn ahead, granted from once {@link #lease} is spent. */
  final AtomicReference<@Nullable Lease> next = new AtomicReference<>();
  /** Held while a chunk is taken or drawn, and while the block is used or given back. */
  final ReentrantLock renewing = new ReentrantLock();
  /** The undrawn rest of the current lease, if any; changed only under {@link #renewing}. */
  volatile @Nullable LeaseBlock block;
  /** Set while the holder of {@link #renewing} draws or takes a chunk: callers wait for it. */
  volatile boolean drawing;
  volatile boolean retired;
  volatile long lastSeen;
  private long intervalStart = Long.MIN_VALUE;
  private long decisions;
  private long credits;
  private long lastDecisions;
  private long lastCredits;
  private boolean hot;
  private @Nullable List<WindowSlot> knownWindows;
  private long @Nullable [] knownUsed;

  /** Counts a decision; returns whether the client is hot (then its store counts are remembered). */
  synchronized boolean count(long now, long cost, long span, long threshold) {
    lastSeen = now;
    if (now >= intervalStart + span || now < intervalStart) {
      boolean adjacent = now >= intervalStart + span && now < intervalStart + 2 * span;
      lastDecisions = adjacent ? decisions : 0;
      lastCredits = adjacent ? credits : 0;
      decisions = 0;
      credits = 0;
      intervalStart = now;
    }
    decisions++;
    credits += cost;
    hot = Math.max(decisions, lastDecisions) >= threshold;
    return hot;
  }

  synchronized long demandCredits() {
    return Math.max(credits, lastCredits);
  }

  synchronized long averageCost() {
    long n = decisions + lastDecisions;
    return n == 0 ? 1 : Math.max(1, (credits + lastCredits) / n);
  }

  /** Remembers the store's last counts, to size the next lease. */
  synchronized void remember(List<WindowSlot> windows, long[] used) {
    if (!hot) {
      return;
    }
    knownWindows = windows;
    knownUsed = used.clone();
  }

  synchronized long @Nullable [] knownUsed(List<WindowSlot> windows) {
    return windows.equals(knownWindows) ? knownUsed : null;
  }
}
