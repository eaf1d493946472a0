package dev.apibilling;

import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.WindowSlot;
import java.util.List;

/**
 * The undrawn rest of a lease: a store reservation that expires at the lease TTL, from which the instance
 * draws chunks ({@link Lease}s) to grant from. Nothing is granted from a block itself, so the store may give
 * it back at any time (a crash, a stall past the TTL) without giving back a granted credit. Guarded by the
 * owning {@link LeasedClient#renewing} lock; {@link #undrawn} is read without it for status and checks.
 */
final class LeaseBlock {
  final String clientId;
  final String leaseId;
  final List<WindowSlot> windows;
  final long epochDay;
  final long expiresAt;
  final long until;
  final long chunk;
  /** The reservation holding the undrawn credits now (each draw re-reserves the rest under a new id). */
  String id;
  volatile long undrawn;
  int generation;

  LeaseBlock(String clientId, String leaseId, List<WindowSlot> windows, long epochDay, long expiresAt, long until,
      long chunk) {
    this.clientId = clientId;
    this.leaseId = leaseId;
    this.windows = windows;
    this.epochDay = epochDay;
    this.expiresAt = expiresAt;
    this.until = until;
    this.chunk = chunk;
    this.id = nextId();
  }

  /** A fresh reservation id for the undrawn rest. */
  String nextId() {
    return leaseId + "-b" + generation++;
  }

  /** Whether chunks may be drawn from this block for a request: same windows and day, span not passed. */
  boolean serves(ChargeRequest r) {
    return r.now() < until && r.now() < expiresAt && r.epochDay() == epochDay
        && (r.windows() == windows || r.windows().equals(windows));
  }

  /** The next chunk: the usual size, or all that is undrawn when less than two chunks would be left. */
  long nextChunk(long credits) {
    long c = Math.max(chunk, credits);
    return undrawn - c < chunk ? undrawn : c;
  }
}
