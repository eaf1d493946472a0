package dev.apibilling.servlet;

import dev.apibilling.ApiBilling;
import dev.apibilling.EventDetails;
import dev.apibilling.Reservation;
import dev.apibilling.spi.UsageStoreException;
import jakarta.servlet.ServletRequest;
import java.util.concurrent.atomic.LongAdder;

/**
 * Settles a request's reservation after its handler, once: the {@link ChargePolicy} and a refusal mark
 * decide commit or release, {@link ActualCredits} how much is kept, {@link UsageEventDetails} what the
 * usage event says. One store call; a failure is counted and logged, never thrown.
 */
final class Settlement {

  private final ApiBilling billing;
  private final ChargePolicy chargePolicy;
  private final ActualCredits actualCredits;
  private final RateLimitedLog log;
  private final LongAdder failures = new LongAdder();

  Settlement(ApiBilling billing, ChargePolicy chargePolicy, ActualCredits actualCredits, RateLimitedLog log) {
    this.billing = billing;
    this.chargePolicy = chargePolicy;
    this.actualCredits = actualCredits;
    this.log = log;
  }

  /** Commits or releases {@code billed} by the final {@code status}; does nothing the second time. */
  void settle(BilledRequest billed, ServletRequest request, int status) {
    Reservation reservation = billed.reservation();
    if (reservation == null || !billed.markSettled()) {
      return;
    }
    boolean charged = !BillingRefusals.marked(request) && chargePolicy.charges(status);
    long credits = charged ? actualCredits.toCommit(billed, request) : 0;
    try {
      // the details go only into the usage event: none to record, none to read from the request
      EventDetails details = reservation.event() == null ? EventDetails.NONE
          : UsageEventDetails.of(billed, request, status);
      if (!billing.commit(reservation, credits, details)) {
        log.warn("reservation of client '" + billed.clientId() + "' expired before its request "
            + "completed, so it was not charged; raise the billing's reservation TTL above the longest "
            + "request", null);
      }
    } catch (UsageStoreException e) {
      failures.increment();
      log.warn("usage store failed settling a request of client '" + billed.clientId()
          + "'; retrying it until the store answers or the reservation expires: " + e, null);
    } catch (RuntimeException e) {
      failures.increment();
      log.warn("settling a request of client '" + billed.clientId() + "' failed", e);
    }
  }

  /** Commits and releases the store failed to make. */
  long failures() {
    return failures.sum();
  }
}
