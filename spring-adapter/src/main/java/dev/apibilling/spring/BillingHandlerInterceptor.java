package dev.apibilling.spring;

import dev.apibilling.servlet.BilledRequest;
import dev.apibilling.servlet.RequestBilling;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.AsyncHandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Bills Spring MVC requests with the servlet module's {@link RequestBilling} flow: before the handler
 * the request's credits are reserved (a denied request is answered 429, an unidentified caller 401, an
 * unknown one 403, and the handler does not run); after it they are committed or released per the
 * charge policy, also for asynchronous handlers.
 *
 * <p>The credits are the handler's {@link Billed} cost if it has one, else the flow's cost rules (which
 * by default make a request without {@code @Billed} free). A request whose computed cost is invalid is
 * answered 400 with a problem body. Only the request's first dispatch is billed; CORS preflight requests
 * are not billed. A request that a billing filter in front of Spring MVC already admitted is billed once,
 * by the filter: a {@code @Billed} handler under it is not billed again, and a warning names the handler
 * (once per method). A billing exception the handler throws is answered by {@link BillingExceptionResolver}
 * and the request is not charged. A handler method's usage event names it as the operation
 * ({@code Controller#method}) and its mapping pattern as the route ({@code GET /api/items/{id}}). Thread
 * safe.
 */
public class BillingHandlerInterceptor implements AsyncHandlerInterceptor {

  private static final Logger LOG = System.getLogger(BillingHandlerInterceptor.class.getName());

  /** Handler methods are finite; the bound only guards against generated ones. */
  private static final int MAX_WARNED = 10_000;

  private final RequestBilling billing;
  private final BilledCosts costs;
  private final Set<Method> warnedTwice = ConcurrentHashMap.newKeySet();

  /**
   * @param billing the request flow (client resolver, cost rules, header style, charge policy)
   * @param beans where {@link Billed#costFunction()} beans and SpEL {@code @bean} references are found
   */
  public BillingHandlerInterceptor(RequestBilling billing, BeanFactory beans) {
    this.billing = Objects.requireNonNull(billing, "billing");
    this.costs = new BilledCosts(Objects.requireNonNull(beans, "beans"));
  }

  /** The request flow. */
  public RequestBilling requestBilling() {
    return billing;
  }

  /**
   * Checks the {@link Billed} annotation of {@code handler} (the auto-configuration calls it for every
   * handler method at start-up).
   *
   * @throws IllegalStateException if it is invalid; the message names the method and the mistake
   */
  public void validate(HandlerMethod handler) {
    costs.validate(handler);
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws IOException {
    if (request.getDispatcherType() != DispatcherType.REQUEST) {
      return true; // async, forward and error dispatches belong to a request already billed (or not)
    }
    if (CorsUtils.isPreFlightRequest(request)) {
      return true; // the browser's own question, without credentials: never billed
    }
    if (handler instanceof HandlerMethod method) {
      request.setAttribute(RequestBilling.OPERATION_ATTRIBUTE,
          method.getBeanType().getSimpleName() + "#" + method.getMethod().getName());
      if (request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE) instanceof String pattern) {
        request.setAttribute(RequestBilling.ROUTE_ATTRIBUTE, request.getMethod() + " " + pattern);
      }
      long credits;
      try {
        credits = costs.creditsOf(method, request);
      } catch (IllegalArgumentException e) {
        billing.problems().badRequest(e.getMessage()).write(response);
        return false;
      }
      if (credits != BilledCosts.NOT_ANNOTATED) {
        BilledRequest.of(request).ifPresent(billed -> warnBilledTwice(method, billed));
        return billing.admit(request, response, credits, costs.operationOf(method));
      }
    }
    return billing.admit(request, response);
  }

  /**
   * A billing filter in front of Spring MVC admitted the request, so it is billed at the filter's cost
   * and the handler's {@code @Billed} does not apply: said once per handler method.
   */
  private void warnBilledTwice(HandlerMethod method, BilledRequest billed) {
    if (warnedTwice.size() < MAX_WARNED && warnedTwice.add(method.getMethod())) {
      LOG.log(Level.WARNING, "@Billed on " + method.getShortLogMessage() + " is ignored: the request was "
          + "already billed " + billed.reservedCredits() + " credits by a filter in front of Spring MVC "
          + "(an ApiBillingFilter); a request is billed once, by the first that admits it. Bill each path in "
          + "one place: map the filter elsewhere or give the path cost 0 in its rules.");
    }
  }

  @Override
  public void afterConcurrentHandlingStarted(HttpServletRequest request, HttpServletResponse response,
      Object handler) {
    billing.complete(request, response, null); // settles when the async cycle completes
  }

  @Override
  public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
      @Nullable Exception ex) {
    billing.complete(request, response, ex);
  }
}
