package dev.apibilling.spring;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Computes the credits one request costs, for {@link Billed#costFunction()}. Declare it as a bean;
 * it is called once per billed request, before the handler, on the request's thread, and must be
 * thread safe.
 */
@FunctionalInterface
public interface CostFunction {

  /**
   * The credits to reserve for {@code request}: {@code 0} for a free request, otherwise
   * {@code 1 <= credits <= Requirements.MAX_CREDITS}.
   *
   * @throws IllegalArgumentException if the request does not say enough to price it (the caller
   *     gets 400)
   */
  long credits(HttpServletRequest request);
}
