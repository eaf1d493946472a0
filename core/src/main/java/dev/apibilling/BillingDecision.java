package dev.apibilling;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer to one request for credits: whether it was granted, and every quota that applied to it as
 * it stands after the decision, which is all an HTTP layer needs to write rate-limit headers without
 * asking again. Immutable and thread safe (quota states are computed on first use).
 */
public final class BillingDecision {

  private final String clientId;
  private final long requested;
  private final boolean granted;
  private final boolean replayed;
  private final long atMillis;
  private final Plan.Snapshot windows;
  private final long[] used;
  private final @Nullable Reservation reservation;
  private final Map<String, String> metadata;
  private @Nullable List<QuotaState> quotas;

  BillingDecision(String clientId, long requested, boolean granted, boolean replayed, long atMillis,
      Plan.Snapshot windows, long[] used, @Nullable Reservation reservation, Map<String, String> metadata) {
    this.clientId = clientId;
    this.requested = requested;
    this.granted = granted;
    this.replayed = replayed;
    this.atMillis = atMillis;
    this.windows = windows;
    this.used = used;
    this.reservation = reservation;
    this.metadata = metadata;
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

  /** The metadata the charge carried (route, workflow id, origin), for listeners and audit logs. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The instant of the decision (the billing's clock, read once). */
  public Instant at() {
    return Instant.ofEpochMilli(atMillis);
  }

  /**
   * Every quota that applied to the decision after it, in definition order: the client-wide ones and those
   * of the charge's operation.
   */
  public List<QuotaState> quotas() {
    List<QuotaState> q = quotas;
    if (q == null) {
      q = windows.states(used);
      quotas = q;
    }
    return q;
  }

  /** The quota headers report: fewest remaining, ties to the shorter window. */
  public QuotaState lowest() {
    return Quotas.lowest(quotas());
  }

  /**
   * For a denied decision, the quota that blocked it; when several did, the one that resets last,
   * since the request cannot succeed before that.
   */
  public Optional<QuotaState> violated() {
    return Optional.ofNullable(violatedQuota());
  }

  /** How long to wait before the same request can succeed: zero when granted. */
  public Duration retryAfter() {
    QuotaState v = violatedQuota();
    return v == null ? Duration.ZERO : v.resetAfter(at());
  }

  private @Nullable QuotaState violatedQuota() {
    if (granted) {
      return null;
    }
    // found again on each call rather than kept: a field would grow every decision by 8 bytes
    QuotaState v = null;
    List<QuotaState> states = quotas();
    for (int i = 0; i < states.size(); i++) {
      QuotaState q = states.get(i);
      if (!windows.slots.get(i).admits(q.used(), requested)
          && (v == null || q.resetAt().isAfter(v.resetAt()))) {
        v = q;
      }
    }
    return v != null ? v : Quotas.lowest(states);
  }

  /** The used counts after the decision, per quota (not to be written). */
  long[] used() {
    return used;
  }

  long atMillis() {
    return atMillis;
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
        + (granted ? ", granted" : ", denied by " + violated().map(QuotaState::name).orElse("?"))
        + (replayed ? ", replayed" : "") + ", quotas=" + quotas() + '}';
  }
}
