package dev.apibilling.servlet;

import dev.apibilling.EventDetails;
import dev.apibilling.Requirements;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/** What a settled request's usage event tells besides its credits. */
final class UsageEventDetails {

  private UsageEventDetails() {}

  /**
   * The operation and route the request attributes name, the method, the matched cost rule (the charge's
   * {@code route}, else the route attribute) and the status; a part that is not valid is left out.
   */
  static EventDetails of(BilledRequest billed, ServletRequest request, int status) {
    String method = request instanceof HttpServletRequest http ? http.getMethod() : null;
    String route = billed.decision().map(d -> d.metadata().get("route")).orElse(null);
    if (route == null) {
      route = valid("route", request.getAttribute(RequestBilling.ROUTE_ATTRIBUTE));
    }
    return new EventDetails(valid("operation", request.getAttribute(RequestBilling.OPERATION_ATTRIBUTE)),
        valid("method", method), route, status >= 100 && status <= 599 ? status : null);
  }

  private static @Nullable String valid(String part, @Nullable Object value) {
    if (!(value instanceof String text)) {
      return null;
    }
    try {
      return Requirements.eventDetail(part, text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
