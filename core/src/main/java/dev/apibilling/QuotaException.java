package dev.apibilling;

import java.time.Duration;
import java.time.Instant;

/**
 * A quota of the client lacks the credits asked for; nothing was deducted. Carries the decision, so an
 * HTTP layer can answer 429 with the same headers as for a decision it got directly.
 */
public class QuotaException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient BillingDecision decision;
  private final QuotaState violated;

  /**
   * @param decision a denied decision
   * @throws IllegalArgumentException if the decision was granted
   */
  public QuotaException(BillingDecision decision) {
    super(message(decision));
    this.decision = decision;
    this.violated = decision.violated().orElseThrow();
  }

  private static String message(BillingDecision decision) {
    QuotaState v = decision.violated()
        .orElseThrow(() -> new IllegalArgumentException("decision must be denied but was granted"));
    return "quota '" + v.policy() + "' of client '" + decision.clientId() + "' exceeded: requested "
        + decision.requested() + " credits, " + v.remaining() + " of " + v.limit()
        + " remaining until " + v.resetAt() + " (retry after " + decision.retryAfter().toSeconds() + " s)";
  }

  /** The denied decision, with every quota of the client. */
  public BillingDecision decision() {
    return decision;
  }

  /** The client. */
  public String clientId() {
    return decision.clientId();
  }

  /** The policy name of the quota that blocked the request. */
  public String policy() {
    return violated.policy();
  }

  /** The limit of the quota that blocked the request. */
  public long limit() {
    return violated.limit();
  }

  /** Credits left in the blocking quota's window. */
  public long remaining() {
    return violated.remaining();
  }

  /** The credits asked for. */
  public long requested() {
    return decision.requested();
  }

  /** When the blocking quota's window resets. */
  public Instant resetAt() {
    return violated.resetAt();
  }

  /** How long until the request can succeed. */
  public Duration retryAfter() {
    return decision.retryAfter();
  }
}
