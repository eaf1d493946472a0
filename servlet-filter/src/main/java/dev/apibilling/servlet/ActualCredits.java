package dev.apibilling.servlet;

import jakarta.servlet.ServletRequest;

/**
 * The credits a settled request keeps: what the handler reported ({@link BilledRequest#setActualCredits}
 * or the {@value BilledRequest#ACTUAL_CREDITS_ATTRIBUTE} request attribute), at most what was reserved;
 * the reservation when nothing usable was reported.
 */
final class ActualCredits {

  private final RateLimitedLog log;

  ActualCredits(RateLimitedLog log) {
    this.log = log;
  }

  long toCommit(BilledRequest billed, ServletRequest request) {
    long reserved = billed.reservedCredits();
    long actual = billed.reportedCredits();
    if (actual < 0) {
      Object reported = request.getAttribute(BilledRequest.ACTUAL_CREDITS_ATTRIBUTE);
      if (reported == null) {
        return reserved;
      }
      actual = parse(reported);
      if (actual < 0) {
        log.warn("request attribute " + BilledRequest.ACTUAL_CREDITS_ATTRIBUTE + " must be a whole "
            + "number >= 0 but was a " + reported.getClass().getSimpleName() + "; charging the "
            + reserved + " credits reserved", null);
        return reserved;
      }
    }
    if (actual > reserved) {
      log.warn("a request of client '" + billed.clientId() + "' reported " + actual
          + " actual credits but reserved " + reserved + "; charging " + reserved
          + " (overage is not allowed: reserve the most a request can cost)", null);
      return reserved;
    }
    return actual;
  }

  /** A whole number >= 0 from an integer, a whole floating-point number or a decimal string; else -1. */
  static long parse(Object reported) {
    if (reported instanceof Long || reported instanceof Integer || reported instanceof Short
        || reported instanceof Byte) {
      return ((Number) reported).longValue();
    }
    if (reported instanceof Number n) {
      double d = n.doubleValue();
      return Double.isFinite(d) && d == Math.rint(d) && d >= 0 && d <= Long.MAX_VALUE ? (long) d : -1;
    }
    if (reported instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }
    return -1;
  }
}
