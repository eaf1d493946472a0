package dev.apibilling.servlet;

import dev.apibilling.BillingDecision;
import dev.apibilling.Reservation;
import jakarta.servlet.ServletRequest;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The billing of one request in progress, kept as the request attribute {@value #ATTRIBUTE}: the
 * client, the credits reserved, the decision, and the actual cost the handler reports.
 *
 * <p>A handler that knows its cost only at the end (tokens produced, rows exported) reports it with
 * {@link #setActualCredits}, or, without depending on this class, with the request attribute
 * {@value #ACTUAL_CREDITS_ATTRIBUTE} (a whole {@link Number} or a decimal string). The committed cost never
 * exceeds what was reserved: overage is not allowed, because the reservation is what made a concurrent
 * burst unable to overspend; a larger actual cost is clamped to the reservation (and logged), so reserve
 * the most a request can cost. Without a report the reservation is committed in full. Thread safe: an
 * asynchronous handler may report from any thread.
 */
public final class BilledRequest {

  /** {@value}: the request attribute holding this object. */
  public static final String ATTRIBUTE = "dev.apibilling.servlet.BilledRequest";

  /**
   * {@value}: a request attribute in which a handler reports the actual credits of the request, as a
   * whole {@link Number} or a decimal string; {@link #setActualCredits} takes precedence.
   */
  public static final String ACTUAL_CREDITS_ATTRIBUTE = "dev.apibilling.actualCredits";

  private final RequestBilling flow;
  private final String clientId;
  private final long reservedCredits;
  private final @Nullable BillingDecision decision;
  /** The decision's reservation, read once (the decision hands it out as a new {@code Optional}). */
  private final @Nullable Reservation reservation;
  private static final int SETTLED = 1;
  private static final int LISTENING = 2;
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(BilledRequest.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@link #SETTLED} and {@link #LISTENING} bits, changed atomically (one field, not two objects). */
  private volatile int state;
  private volatile long actualCredits = -1;

  BilledRequest(RequestBilling flow, String clientId, long reservedCredits, @Nullable BillingDecision decision) {
    this.flow = flow;
    this.clientId = clientId;
    this.reservedCredits = reservedCredits;
    this.decision = decision;
    this.reservation = decision == null ? null : decision.reservation().orElse(null);
  }

  /** The billing of {@code request}, if it is being billed. */
  public static Optional<BilledRequest> of(ServletRequest request) {
    return Optional.ofNullable(find(request));
  }

  static @Nullable BilledRequest find(ServletRequest request) {
    Object o = request.getAttribute(ATTRIBUTE);
    return o instanceof BilledRequest b ? b : null;
  }

  /** The flow that admitted the request, and settles it. */
  RequestBilling flow() {
    return flow;
  }

  /** The client the request is billed to. */
  public String clientId() {
    return clientId;
  }

  /** The credits reserved for the request: the most it can be charged. */
  public long reservedCredits() {
    return reservedCredits;
  }

  /**
   * The granted decision, with the client's quotas; empty when the store failed and the policy let the
   * request through unbilled.
   */
  public Optional<BillingDecision> decision() {
    return Optional.ofNullable(decision);
  }

  /** Whether the request repeats an earlier one with the same idempotency key, and costs nothing more. */
  public boolean replayed() {
    return decision != null && decision.replayed();
  }

  /** Whether credits are held that will be committed or released when the request completes. */
  public boolean holdsReservation() {
    return decision != null && reservation != null && !decision.replayed();
  }

  /**
   * Reports what the request actually cost, to be committed instead of the reservation (if the charge
   * policy charges the request at all).
   *
   * @return the credits that will be committed: {@code credits}, or the reservation if less
   * @throws IllegalArgumentException if {@code credits} is negative
   */
  public long setActualCredits(long credits) {
    if (credits < 0) {
      throw new IllegalArgumentException("actual credits must be >= 0 but was " + credits);
    }
    actualCredits = credits;
    return Math.min(credits, reservedCredits);
  }

  /** The actual credits reported with {@link #setActualCredits}, or -1. */
  long reportedCredits() {
    return actualCredits;
  }

  /** Marks the request settled; true for the first caller only. */
  boolean markSettled() {
    return setBit(SETTLED);
  }

  /** Marks that a listener settles the request on async completion; true for the first caller only. */
  boolean markListening() {
    return setBit(LISTENING);
  }

  void clearListening() {
    STATE.getAndBitwiseAnd(this, ~LISTENING);
  }

  boolean listening() {
    return (state & LISTENING) != 0;
  }

  /** Sets {@code bit}; true if this call set it. */
  private boolean setBit(int bit) {
    return ((int) STATE.getAndBitwiseOr(this, bit) & bit) == 0;
  }

  @Nullable Reservation reservation() {
    return reservation;
  }

  @Override
  public String toString() {
    return "BilledRequest{client=" + clientId + ", reserved=" + reservedCredits
        + (decision == null ? ", unbilled" : replayed() ? ", replayed" : "") + '}';
  }
}
