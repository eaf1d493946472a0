package dev.apibilling.servlet;

import dev.apibilling.QuotaException;
import dev.apibilling.UnknownClientException;
import dev.apibilling.spi.UsageStoreException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Requests that apibilling itself refused from inside their handler, which are never charged. A handler
 * that calls {@code ApiBilling.trackClientUsage} (or {@code reserve(...).orThrow()}) may be refused by a
 * spent quota ({@link QuotaException}, 429), an unknown client ({@link UnknownClientException}, 403) or a
 * failed store ({@link UsageStoreException}, 503). Whoever answers such an exception marks the request
 * ({@link #mark}), and {@link RequestBilling} then releases the request's own reservation whatever the
 * {@link ChargePolicy}: {@link ApiBillingFilter} does it for servlets behind it, the Spring adapter's
 * exception resolver for controllers, and an application that answers these exceptions itself calls
 * {@link #mark} too. A handler that lets such an exception escape is treated as marked.
 *
 * <p>Stateless; thread safe.
 */
public final class BillingRefusals {

  /**
   * {@value}: the request attribute marking a request apibilling refused; its value is the status the
   * refusal was answered with ({@link Integer}).
   */
  public static final String ATTRIBUTE = "dev.apibilling.refused";

  /** How deep {@link #find} looks through causes: wrappers rarely nest more. */
  private static final int MAX_CAUSE_DEPTH = 8;

  private BillingRefusals() {}

  /** Marks {@code request} as refused by apibilling with {@code status}; its reservation is released. */
  public static void mark(ServletRequest request, int status) {
    request.setAttribute(ATTRIBUTE, status);
  }

  /** Whether {@code request} was marked as refused by apibilling. */
  public static boolean marked(ServletRequest request) {
    return request.getAttribute(ATTRIBUTE) != null;
  }

  /**
   * The refusal by apibilling in {@code thrown} or its causes (a {@link QuotaException},
   * {@link UnknownClientException} or {@link UsageStoreException}), or null if there is none.
   */
  public static @Nullable RuntimeException find(@Nullable Throwable thrown) {
    Throwable t = thrown;
    for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
      if (t instanceof QuotaException || t instanceof UnknownClientException || t instanceof UsageStoreException) {
        return (RuntimeException) t;
      }
    }
    return null;
  }

  /** The status a refusal is answered with: 429, 403 or 503. */
  public static int status(RuntimeException refusal) {
    return refusal instanceof QuotaException ? 429 : refusal instanceof UnknownClientException ? 403 : 503;
  }

  /**
   * Answers {@code refusal} (see {@link #find}) as the request flow answers its own refusals: a spent
   * quota with 429, {@code Retry-After}, the rate-limit fields in {@code style} and a
   * {@value BillingProblems#QUOTA_EXCEEDED} problem; an unknown client with a 403 problem; a failed store
   * with a 503 problem and {@code Retry-After: storeRetryAfter}. The response must not be committed.
   *
   * @throws IOException if writing the response fails
   */
  public static void write(HttpServletResponse response, RuntimeException refusal, BillingProblems problems,
      HeaderStyle style, Duration storeRetryAfter) throws IOException {
    BillingProblem problem;
    if (refusal instanceof QuotaException quota) {
      RateLimitHeaders.write(response, quota.decision(), style);
      problem = problems.quotaExceeded(quota.decision());
    } else if (refusal instanceof UnknownClientException) {
      problem = problems.unknownClient();
    } else {
      problem = problems.storeUnavailable(storeRetryAfter);
    }
    problem.write(response);
  }
}
