package dev.apibilling.servlet;

import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaState;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

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
 * rounded up and at least 1, whatever the style. Thread safe.
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
    emit(decision, style, response::setHeader);
  }

  /**
   * The fields of {@code decision} as names and values, in the order they should be written; for HTTP
   * stacks that are not servlets.
   */
  public static Map<String, String> fields(BillingDecision decision, HeaderStyle style) {
    Map<String, String> fields = new LinkedHashMap<>(8);
    emit(decision, style, fields::put);
    return fields;
  }

  /**
   * Passes each field of {@code decision} to {@code out}, in order. The text that changes only with the
   * quotas (the policy value, each item's {@code "name";r=}, each limit) comes from {@link Policy}'s cache,
   * so a granted request builds only its {@code RateLimit} and {@code X-RateLimit-Remaining} values.
   */
  private static void emit(BillingDecision decision, HeaderStyle style, BiConsumer<String, String> out) {
    if (style.ietf() || style.legacy()) {
      List<QuotaState> quotas = decision.quotas();
      Policy policy = Policy.of(quotas);
      if (style.ietf() && !policy.value.isEmpty()) {
        out.accept(RATELIMIT_POLICY, policy.value);
        out.accept(RATELIMIT, policy.rateLimit(quotas, decision.at()));
      }
      QuotaState reported = decision.granted() ? decision.lowest() : decision.violated().orElseGet(decision::lowest);
      if (style.legacy() && !reported.unlimited()) {
        int i = indexOf(quotas, reported);
        out.accept(X_RATELIMIT_LIMIT, i >= 0 ? policy.limits[i] : Long.toString(reported.limit()));
        out.accept(X_RATELIMIT_REMAINING, Long.toString(reported.remaining()));
        out.accept(X_RATELIMIT_RESET, i >= 0 ? policy.reset(i, reported) : resetText(reported));
      }
    }
    if (!decision.granted()) {
      out.accept(RETRY_AFTER, Long.toString(retryAfterSeconds(decision.retryAfter())));
    }
  }

  /** The position of {@code q} (the same object) in {@code quotas}, or -1. */
  private static int indexOf(List<QuotaState> quotas, QuotaState q) {
    for (int i = 0; i < quotas.size(); i++) {
      if (quotas.get(i) == q) {
        return i;
      }
    }
    return -1;
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

  /** {@link QuotaState#windowSeconds()}, without the {@code Duration} (this runs on every request). */
  static long windowSeconds(QuotaState q) {
    Instant start = q.windowStart();
    Instant end = q.resetAt();
    long seconds = end.getEpochSecond() - start.getEpochSecond();
    return end.getNano() < start.getNano() ? seconds - 1 : seconds;
  }

  /**
   * {@code ceilSeconds(q.resetAfter(now).toMillis())}: whole seconds until {@code q} resets, rounded up,
   * never negative, computed as {@code Duration} would compute it but without one.
   */
  static long secondsUntilReset(QuotaState q, Instant now) {
    Instant end = q.resetAt();
    long seconds = end.getEpochSecond() - now.getEpochSecond();
    long nanos = end.getNano() - now.getNano();
    if (nanos < 0) {
      nanos += 1_000_000_000L;
      seconds--;
    }
    if (seconds < 0) {
      return 0; // resetAfter is never negative
    }
    return ceilSeconds(Math.addExact(Math.multiplyExact(seconds, 1000), nanos / 1_000_000));
  }

  /** {@code X-RateLimit-Reset} of {@code q}: the epoch second its window resets, rounded up. */
  private static String resetText(QuotaState q) {
    return Long.toString(ceilSeconds(q.resetAt().toEpochMilli()));
  }

  /**
   * The {@code RateLimit-Policy} value of one set of quotas (each quota's name, limit and current window
   * length, unlimited ones included so positions match the decision's list), with the other text that
   * changes only with it. A decision finds its entry in a small direct-mapped cache shared by all requests,
   * compared field by field, so a different set of quotas (another plan, another window length, the quotas
   * of another operation) always gets its own value; a collision only rebuilds an entry. Entries are
   * immutable but for {@link #resets}, whose slots are replaced whole, so racy reads are safe.
   */
  static final class Policy {
    private static final int SLOTS = 64;
    private static final Policy[] CACHE = new Policy[SLOTS];

    private final String[] names;
    /** Per quota: the operation it is for, null for a client-wide one. */
    private final String[] operations;
    private final long[] limitValues;
    private final long[] windows;
    /** The field value, empty if every quota is unlimited. */
    final String value;
    /** Per quota: {@code "name";r=}, null for an unlimited one. */
    private final String[] itemPrefixes;
    /** Per quota: the limit as text ({@code X-RateLimit-Limit}). */
    final String[] limits;
    /** Per quota: the last {@code X-RateLimit-Reset} written. */
    private final Reset[] resets;
    private final int itemLength;

    private Policy(List<QuotaState> quotas) {
      int n = quotas.size();
      names = new String[n];
      operations = new String[n];
      limitValues = new long[n];
      windows = new long[n];
      itemPrefixes = new String[n];
      limits = new String[n];
      resets = new Reset[n];
      int length = 0;
      for (int i = 0; i < n; i++) {
        QuotaState q = quotas.get(i);
        names[i] = q.policy();
        operations[i] = q.operation();
        limitValues[i] = q.limit();
        windows[i] = q.windowSeconds();
        limits[i] = Long.toString(q.limit());
        if (!q.unlimited()) {
          String name = q.name();
          StringBuilder b = new StringBuilder(name.length() + 6);
          appendString(b, name);
          itemPrefixes[i] = b.append(";r=").toString();
          length += itemPrefixes[i].length() + 2 + 20 + 3 + 20;
        }
      }
      value = policyField(quotas);
      itemLength = length;
    }

    /** The entry for {@code quotas}, from the cache or built and cached. */
    static Policy of(List<QuotaState> quotas) {
      int hash = 1;
      for (int i = 0; i < quotas.size(); i++) {
        QuotaState q = quotas.get(i);
        hash = 31 * (31 * (31 * (31 * hash + q.policy().hashCode()) + Objects.hashCode(q.operation()))
            + Long.hashCode(q.limit())) + Long.hashCode(windowSeconds(q));
      }
      int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
      Policy p = CACHE[slot];
      if (p == null || !p.describes(quotas)) {
        p = new Policy(quotas);
        CACHE[slot] = p;
      }
      return p;
    }

    /** Whether this entry was built from quotas with the same names, limits and window lengths. */
    boolean describes(List<QuotaState> quotas) {
      if (quotas.size() != names.length) {
        return false;
      }
      for (int i = 0; i < names.length; i++) {
        QuotaState q = quotas.get(i);
        if (q.limit() != limitValues[i] || windowSeconds(q) != windows[i] || !q.policy().equals(names[i])
            || !Objects.equals(q.operation(), operations[i])) {
          return false;
        }
      }
      return true;
    }

    /** The {@code RateLimit} value, as {@link #rateLimitField} writes it. */
    String rateLimit(List<QuotaState> quotas, Instant now) {
      StringBuilder b = null;
      String single = null;
      for (int i = 0; i < names.length; i++) {
        String prefix = itemPrefixes[i];
        if (prefix == null) {
          continue;
        }
        QuotaState q = quotas.get(i);
        long t = secondsUntilReset(q, now);
        if (single == null && b == null) {
          single = prefix + q.remaining() + ";t=" + t;
          continue;
        }
        if (b == null) {
          b = new StringBuilder(itemLength).append(single);
        }
        b.append(", ").append(prefix).append(q.remaining()).append(";t=").append(t);
      }
      return b != null ? b.toString() : single != null ? single : "";
    }

    /** {@code X-RateLimit-Reset} of quota {@code i}, reusing the text while its window lasts. */
    String reset(int i, QuotaState q) {
      long millis = q.resetAt().toEpochMilli();
      Reset r = resets[i];
      if (r == null || r.millis != millis) {
        r = new Reset(millis, resetText(q));
        resets[i] = r;
      }
      return r.text;
    }

    private record Reset(long millis, String text) {}
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
