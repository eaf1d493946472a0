package dev.apibilling.servlet;

import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaState;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the rate-limit header fields of a {@link BillingDecision}.
 *
 * <p>IETF fields (draft-ietf-httpapi-ratelimit-headers-10), one list item per quota that applied to the
 * request and has a limit (the client-wide quotas and, for a charge of an operation, that operation's,
 * named {@code operation/policy} such as {@code "send_email/day"}), in the order the client's quotas are
 * defined:
 *
 * <pre>
 * RateLimit-Policy: "day";q=500;w=86400, "month";q=10000;w=2678400
 * RateLimit: "day";r=37;t=3600, "month";r=9512;t=1900800
 * </pre>
 *
 * <p>{@code q} is the limit in credits, {@code w} the length of the current window in seconds (a calendar
 * month is 28 to 31 days, a day 23 to 25 hours across a daylight-saving change), {@code r} the credits
 * remaining and {@code t} the seconds until the window resets, rounded up. Every policy gets its own item
 * rather than only the lowest, so a client sees each constraint (a burst limit and a monthly quota at
 * once) and can take the minimum itself. Unlimited quotas are left out; a client whose quotas are all
 * unlimited gets no IETF fields.
 *
 * <p>Legacy fields, as the X-RateLimit convention has them, describe one quota: the one that blocked a
 * denied request, otherwise the one with the fewest credits remaining ({@link BillingDecision#lowest()}):
 * {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, and {@code X-RateLimit-Reset} as epoch seconds
 * (rounded up).
 *
 * <p>A denied decision also gets {@code Retry-After}: whole seconds until the blocking window resets,
 * rounded up and at least 1, whatever the style. Thread safe; stateless.
 */
public final class RateLimitHeaders {

  /** {@value}: the IETF field announcing the quota policies. */
  public static final String RATELIMIT_POLICY = "RateLimit-Policy";
  /** {@value}: the IETF field with the current state of each policy. */
  public static final String RATELIMIT = "RateLimit";
  /** {@value} */
  public static final String X_RATELIMIT_LIMIT = "X-RateLimit-Limit";
  /** {@value} */
  public static final String X_RATELIMIT_REMAINING = "X-RateLimit-Remaining";
  /** {@value}: epoch seconds. */
  public static final String X_RATELIMIT_RESET = "X-RateLimit-Reset";
  /** {@value} */
  public static final String RETRY_AFTER = "Retry-After";

  private RateLimitHeaders() {}

  /**
   * Sets the fields of {@code decision} on {@code response}, replacing fields of the same names. Call it
   * before the response is committed.
   */
  public static void write(HttpServletResponse response, BillingDecision decision, HeaderStyle style) {
    for (Map.Entry<String, String> field : fields(decision, style).entrySet()) {
      response.setHeader(field.getKey(), field.getValue());
    }
  }

  /**
   * The fields of {@code decision} as names and values, in the order they should be written; for HTTP
   * stacks that are not servlets.
   */
  public static Map<String, String> fields(BillingDecision decision, HeaderStyle style) {
    Map<String, String> fields = new LinkedHashMap<>(8);
    Instant now = decision.at();
    if (style.ietf()) {
      String policy = policyField(decision.quotas());
      if (!policy.isEmpty()) {
        fields.put(RATELIMIT_POLICY, policy);
        fields.put(RATELIMIT, rateLimitField(decision.quotas(), now));
      }
    }
    QuotaState reported = decision.violated().orElseGet(decision::lowest);
    if (style.legacy() && !reported.unlimited()) {
      fields.put(X_RATELIMIT_LIMIT, Long.toString(reported.limit()));
      fields.put(X_RATELIMIT_REMAINING, Long.toString(reported.remaining()));
      fields.put(X_RATELIMIT_RESET, Long.toString(ceilSeconds(reported.resetAt().toEpochMilli())));
    }
    if (!decision.granted()) {
      fields.put(RETRY_AFTER, Long.toString(retryAfterSeconds(decision.retryAfter())));
    }
    return fields;
  }

  /**
   * The {@code RateLimit-Policy} value for {@code quotas}: {@code "day";q=500;w=86400, ...}; empty if
   * every quota is unlimited.
   */
  public static String policyField(List<QuotaState> quotas) {
    StringBuilder b = new StringBuilder(32 * quotas.size());
    for (QuotaState q : quotas) {
      if (q.unlimited()) {
        continue;
      }
      if (b.length() > 0) {
        b.append(", ");
      }
      appendString(b, q.name());
      b.append(";q=").append(q.limit()).append(";w=").append(q.windowSeconds());
    }
    return b.toString();
  }

  /**
   * The {@code RateLimit} value for {@code quotas} at {@code now}: {@code "day";r=37;t=3600, ...}; empty if
   * every quota is unlimited.
   */
  public static String rateLimitField(List<QuotaState> quotas, Instant now) {
    StringBuilder b = new StringBuilder(24 * quotas.size());
    for (QuotaState q : quotas) {
      if (q.unlimited()) {
        continue;
      }
      if (b.length() > 0) {
        b.append(", ");
      }
      appendString(b, q.name());
      b.append(";r=").append(q.remaining())
          .append(";t=").append(ceilSeconds(q.resetAfter(now).toMillis()));
    }
    return b.toString();
  }

  /** Whole seconds of {@code wait} for a {@code Retry-After} field: rounded up, at least 1. */
  public static long retryAfterSeconds(Duration wait) {
    return Math.max(1, ceilSeconds(wait.toMillis()));
  }

  private static long ceilSeconds(long millis) {
    return Math.floorDiv(millis + 999, 1000);
  }

  /** Appends {@code s} as a structured-field String (RFC 8941 section 3.3.3). */
  private static void appendString(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    b.append('"');
  }
}
