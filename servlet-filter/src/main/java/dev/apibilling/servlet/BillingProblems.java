package dev.apibilling.servlet;

import dev.apibilling.BillingDecision;
import dev.apibilling.QuotaState;
import dev.apibilling.SettingException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The RFC 9457 problems billing answers with. Each type URI is the type base followed by a slug
 * ({@value #QUOTA_EXCEEDED}, {@value #MISSING_CLIENT}, ...); the base defaults to {@link #DEFAULT_TYPE_BASE}
 * and can be pointed at the API's own documentation. Immutable and thread safe.
 *
 * <table>
 *   <caption>Problems</caption>
 *   <tr><th>slug</th><th>status</th><th>extension members</th></tr>
 *   <tr><td>{@value #QUOTA_EXCEEDED}</td><td>429</td><td>policy, limit, remaining, requested,
 *       reset (ISO-8601 instant), retryAfter (seconds)</td></tr>
 *   <tr><td>{@value #MISSING_CLIENT}</td><td>401</td><td></td></tr>
 *   <tr><td>{@value #UNKNOWN_CLIENT}</td><td>403</td><td></td></tr>
 *   <tr><td>{@value #INVALID_IDEMPOTENCY_KEY}</td><td>400</td><td></td></tr>
 *   <tr><td>{@value #AMBIGUOUS_CREDENTIALS}</td><td>400</td><td></td></tr>
 *   <tr><td>{@value #STORE_UNAVAILABLE}</td><td>503</td><td>retryAfter (seconds)</td></tr>
 *   <tr><td>{@value #BAD_REQUEST}</td><td>400</td><td></td></tr>
 *   <tr><td>{@value #METHOD_NOT_ALLOWED}</td><td>405</td><td></td></tr>
 * </table>
 */
public final class BillingProblems {

  /** {@value}: the type base used unless another is given. */
  public static final String DEFAULT_TYPE_BASE = "https://apibilling.dev/problems/";

  /** {@value}: a quota lacks the credits the request needs (429). */
  public static final String QUOTA_EXCEEDED = "quota-exceeded";
  /** {@value}: the request does not say who is calling (401). */
  public static final String MISSING_CLIENT = "missing-client";
  /** {@value}: the credentials name no client with quotas (403). */
  public static final String UNKNOWN_CLIENT = "unknown-client";
  /** {@value}: the {@code Idempotency-Key} header is malformed or too long (400). */
  public static final String INVALID_IDEMPOTENCY_KEY = "invalid-idempotency-key";
  /** {@value}: the request carries different credentials, e.g. two different API keys (400). */
  public static final String AMBIGUOUS_CREDENTIALS = "ambiguous-credentials";
  /** {@value}: the usage store cannot answer and the policy is fail-closed (503). */
  public static final String STORE_UNAVAILABLE = "store-unavailable";
  /** {@value}: another malformed request, e.g. a bad query parameter of the status endpoint (400). */
  public static final String BAD_REQUEST = "bad-request";
  /** {@value}: a method the status endpoint does not answer, e.g. {@code POST} (405, with {@code Allow}). */
  public static final String METHOD_NOT_ALLOWED = "method-not-allowed";

  private static final BillingProblems DEFAULTS = new BillingProblems(DEFAULT_TYPE_BASE);

  private final String typeBase;

  private BillingProblems(String typeBase) {
    this.typeBase = typeBase;
  }

  /** Problems with the {@link #DEFAULT_TYPE_BASE}. */
  public static BillingProblems defaults() {
    return DEFAULTS;
  }

  /**
   * Problems whose type URIs start with {@code typeBase}.
   *
   * @throws IllegalArgumentException if {@code typeBase} is not an absolute URI ending in {@code /},
   *     {@code :} or {@code #}
   */
  public static BillingProblems withTypeBase(String typeBase) {
    URI uri;
    try {
      uri = URI.create(typeBase);
    } catch (IllegalArgumentException e) {
      throw SettingException.described("problemTypeBase", "problem type base must be a URI but was '" + typeBase
          + "'", e);
    }
    if (!uri.isAbsolute() || !(typeBase.endsWith("/") || typeBase.endsWith(":") || typeBase.endsWith("#"))) {
      throw SettingException.described("problemTypeBase", "problem type base must be an absolute URI ending"
          + " in '/', ':' or '#' but was '" + typeBase + "'", null);
    }
    return new BillingProblems(typeBase);
  }

  /** The type base. */
  public String typeBase() {
    return typeBase;
  }

  /** The type URI of the problem {@code slug}. */
  public URI type(String slug) {
    return URI.create(typeBase + slug);
  }

  /**
   * A 429 for a denied decision, naming the blocking quota.
   *
   * @throws IllegalArgumentException if the decision was granted
   */
  public BillingProblem quotaExceeded(BillingDecision denied) {
    QuotaState v = denied.violated().orElseThrow(
        () -> new IllegalArgumentException("decision must be denied but was granted"));
    long retryAfter = RateLimitHeaders.retryAfterSeconds(denied.retryAfter());
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("policy", v.name());
    p.put("limit", v.limit());
    p.put("remaining", v.remaining());
    p.put("requested", denied.requested());
    p.put("reset", v.resetAt().toString());
    p.put("retryAfter", retryAfter);
    String detail = "Quota '" + v.name() + "' has " + v.remaining() + " of " + v.limit()
        + " credits left and the request needs " + denied.requested() + "; it resets at " + v.resetAt()
        + ".";
    return new BillingProblem(type(QUOTA_EXCEEDED), "Quota exceeded", 429, detail, p,
        Map.of(RateLimitHeaders.RETRY_AFTER, Long.toString(retryAfter)));
  }

  /**
   * A 401: the request carries nothing that identifies a client.
   *
   * @param challenge the {@code WWW-Authenticate} value to send, or null for none
   */
  public BillingProblem missingClient(@Nullable String challenge) {
    return new BillingProblem(type(MISSING_CLIENT), "Client not identified", 401,
        "The request carries no credentials that identify a client.", Map.of(),
        challenge == null ? Map.of() : Map.of("WWW-Authenticate", challenge));
  }

  /** A 403: the credentials name no client that has quotas. Says nothing about the credentials. */
  public BillingProblem unknownClient() {
    return new BillingProblem(type(UNKNOWN_CLIENT), "Unknown client", 403,
        "The credentials do not identify a client with a plan.", Map.of(), Map.of());
  }

  /** A 400: the request carries different credentials. Says nothing about them. */
  public BillingProblem ambiguousCredentials() {
    return new BillingProblem(type(AMBIGUOUS_CREDENTIALS), "Ambiguous credentials", 400,
        "The request carries different credentials (API key fields or bearer token); send one.", Map.of(),
        Map.of());
  }

  /** The answer to a request whose client was not resolved: 401, 403 or 400 by the outcome. */
  BillingProblem unresolved(ClientResolution who) {
    return switch (who.outcome()) {
      case MISSING -> missingClient(who.challenge());
      case AMBIGUOUS -> ambiguousCredentials();
      case UNKNOWN, RESOLVED -> unknownClient();
    };
  }

  /** A 400 for a malformed {@code Idempotency-Key}; {@code reason} says what was wrong and what is allowed. */
  public BillingProblem invalidIdempotencyKey(String reason) {
    return new BillingProblem(type(INVALID_IDEMPOTENCY_KEY), "Invalid Idempotency-Key", 400,
        Objects.requireNonNull(reason, "reason"), Map.of(), Map.of());
  }

  /** A 503 with {@code Retry-After}: usage cannot be checked now. */
  public BillingProblem storeUnavailable(Duration retryAfter) {
    long seconds = RateLimitHeaders.retryAfterSeconds(retryAfter);
    return new BillingProblem(type(STORE_UNAVAILABLE), "Billing unavailable", 503,
        "Usage cannot be checked right now; retry later.", Map.of("retryAfter", seconds),
        Map.of(RateLimitHeaders.RETRY_AFTER, Long.toString(seconds)));
  }

  /**
   * A 405 for {@code method}, with {@code Allow: allowed} (the methods the resource answers, as the field
   * lists them: {@code "GET, HEAD, OPTIONS"}).
   */
  public BillingProblem methodNotAllowed(String method, String allowed) {
    return new BillingProblem(type(METHOD_NOT_ALLOWED), "Method not allowed", 405,
        "This resource answers " + Objects.requireNonNull(allowed, "allowed") + ", not "
            + Objects.requireNonNull(method, "method") + ".",
        Map.of(), Map.of("Allow", allowed));
  }

  /** A 400 for another malformed request; {@code detail} says what was wrong and what is allowed. */
  public BillingProblem badRequest(String detail) {
    return new BillingProblem(type(BAD_REQUEST), "Bad request", 400,
        Objects.requireNonNull(detail, "detail"), Map.of(), Map.of());
  }
}
