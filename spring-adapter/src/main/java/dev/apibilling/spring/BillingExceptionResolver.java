package dev.apibilling.spring;

import dev.apibilling.QuotaException;
import dev.apibilling.UnknownClientException;
import dev.apibilling.servlet.BillingProblems;
import dev.apibilling.servlet.BillingRefusals;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.spi.UsageStoreException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers billing exceptions thrown anywhere in a handler (for instance by a direct call to
 * {@code ApiBilling.trackClientUsage}) with the same responses the request flow gives: a
 * {@link QuotaException} becomes a 429 with {@code Retry-After}, the rate-limit header fields and a
 * {@code quota-exceeded} problem body ({@code application/problem+json}, RFC 9457); an
 * {@link UnknownClientException} a 403; a {@link UsageStoreException} a 503 with {@code Retry-After}
 * (also when one of them is the cause of the exception thrown). It marks the request refused
 * ({@link BillingRefusals}), so that the request's own reservation is released under every charge policy:
 * a request apibilling refused is never charged.
 *
 * <p>It runs before Spring's own resolvers ({@link Ordered#HIGHEST_PRECEDENCE}), so a catch-all
 * {@code @ExceptionHandler(Exception.class)} of the application does not turn a spent quota into a 500.
 * To answer differently, declare a bean of this type (it replaces the auto-configured one). Stateless;
 * thread safe.
 */
public class BillingExceptionResolver implements HandlerExceptionResolver, Ordered {

  private static final Logger LOG = System.getLogger(BillingExceptionResolver.class.getName());

  private final BillingProblems problems;
  private final HeaderStyle headerStyle;
  private final Duration storeRetryAfter;

  /**
   * @param problems the problem types to answer with
   * @param headerStyle the rate-limit fields a 429 carries
   * @param storeRetryAfter the {@code Retry-After} of a 503 for a failed store
   */
  public BillingExceptionResolver(BillingProblems problems, HeaderStyle headerStyle, Duration storeRetryAfter) {
    this.problems = Objects.requireNonNull(problems, "problems");
    this.headerStyle = Objects.requireNonNull(headerStyle, "headerStyle");
    this.storeRetryAfter = Objects.requireNonNull(storeRetryAfter, "storeRetryAfter");
  }

  @Override
  public @Nullable ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response,
      @Nullable Object handler, Exception ex) {
    RuntimeException refusal = BillingRefusals.find(ex);
    if (refusal == null) {
      return null;
    }
    int status = BillingRefusals.status(refusal);
    BillingRefusals.mark(request, status); // the request's own reservation is released, not charged
    if (refusal instanceof UsageStoreException) {
      LOG.log(Level.WARNING, "usage store failed in a handler; answering 503: " + refusal);
    }
    if (response.isCommitted()) {
      return null; // too late to answer differently; the container reports the exception
    }
    try {
      BillingRefusals.write(response, refusal, problems, headerStyle, storeRetryAfter);
    } catch (IOException | IllegalStateException e) {
      LOG.log(Level.DEBUG, "could not write the " + status + " problem response: " + e);
    }
    return new ModelAndView();
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
