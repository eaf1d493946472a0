package dev.apibilling;

import org.jspecify.annotations.Nullable;

/**
 * What an adapter knows about the request behind a charge, for its usage event: each part is null when
 * unknown. Validated on creation.
 *
 * @param operation the operation charged, e.g. a controller method or an API operation id
 * @param method the HTTP method
 * @param route the route template or cost rule that matched, e.g. {@code GET /api/reports/*} (not the raw
 *     path, which may carry ids)
 * @param status the HTTP status of the response, {@code 100..599}
 */
public record EventDetails(
    @Nullable String operation, @Nullable String method, @Nullable String route, @Nullable Integer status) {

  /** Nothing known. */
  public static final EventDetails NONE = new EventDetails(null, null, null, null);

  /** @throws IllegalArgumentException if a part is invalid (see {@link Requirements#eventDetail}) */
  public EventDetails {
    Requirements.eventDetail("operation", operation);
    Requirements.eventDetail("method", method);
    Requirements.eventDetail("route", route);
    if (status != null) {
      Requirements.httpStatus(status);
    }
  }

  /** These details with the response's status. */
  public EventDetails withStatus(int status) {
    return new EventDetails(operation, method, route, status);
  }
}
