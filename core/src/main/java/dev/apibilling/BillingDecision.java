package dev.apibilling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one request for credits: whether it was granted, and every quota of the client as it
 * stands after the decision, which is all an HTTP layer needs to write rate-limit headers without
 * asking again. Immutable.
 */
public final class BillingDecision {

  private final String clientId;
  private final long requested;
  private final boolean granted;
  private final boolean replayed;
  private final Instant at;
  private final List<QuotaState> quotas;
  private final @Nullable QuotaState violated;
  private final @Nullable Reservation reservation;

  BillingDecision(String clientId, long requested, boolean granted, boolean replayed, Instant at,
      List<QuotaState> quotas, @Nullable QuotaState violated, @Nullable Reservation reservation) {
    this.clientId = clientId;
    this.requested = requested;
    this.granted = granted;
    this.replayed = replayed;
    this.at = at;
    this.quotas = quotas;
    this.violated = violated;
    this.reservation = reservation;
  }

  /** The client the decision is for. */
  public String clientId() {
    return clientId;
  }

  /** The credits asked for. */
  public long requested() {
    return requested;
  }

  /** Whether the credits were deducted (or, for a check, would be). */
  public boolean granted() {
    return granted;
  }

  /** Whether this is the recorded outcome of an earlier call with the same idempotency key. */
  public boolean replayed() {
    return replayed;
  }

  /** The instant of the decision (the billing's clock, read once). */
  public Instant at() {
    return at;
  }

  /** Every quota of the client after the decision, in definition order. */
  public List<QuotaState> quotas() {
    return quotas;
  }

  /** The quota headers report: fewest remaining, ties to the shorter window. */
  public QuotaState lowest() {
    return Quotas.lowest(quotas);
  }

  /**
   * For a denied decision, the quota that blocked it; when several did, the one that resets last,
   * since the request cannot succeed before that.
   */
  public Optional<QuotaState> violated() {
    return Optional.ofNullable(violated);
  }

  /** How long to wait before the same request can succeed: zero when granted. */
  public Duration retryAfter() {
    return violated == null ? Duration.ZERO : violated.resetAfter(at);
  }

  /** For a granted reservation, the credits held; settle them with commit or release. */
  public Optional<Reservation> reservation() {
    return Optional.ofNullable(reservation);
  }

  /**
   * Returns this decision if granted.
   *
   * @throws QuotaException if it was denied
   */
  public BillingDecision orThrow() {
    if (!granted) {
      throw new QuotaException(this);
    }
    return this;
  }

  @Override
  public String toString() {
    return "BillingDecision{client=" + clientId + ", requested=" + requested
        + (granted ? ", granted" : ", denied by " + (violated == null ? "?" : violated.policy()))
        + (replayed ? ", replayed" : "") + ", quotas=" + quotas + '}';
  }
}
