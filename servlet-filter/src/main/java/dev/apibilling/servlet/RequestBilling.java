package dev.apibilling.servlet;

import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.QuotaException;
import dev.apibilling.Requirements;
import dev.apibilling.SettingException;
import dev.apibilling.UnknownClientException;
import dev.apibilling.spi.UsageStoreException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Bills servlet requests: the one request flow that {@link ApiBillingFilter} runs and that other
 * servlet-based adapters (a Spring MVC {@code HandlerInterceptor}) call instead of repeating it.
 *
 * <ol>
 *   <li>{@link #admit} before the handler: the {@link CostRules} (or the caller) give the credits, and a
 *       request costing 0 passes unbilled, as does a CORS preflight ({@code OPTIONS} with {@code Origin}
 *       and {@code Access-Control-Request-Method}: browsers send it without credentials) unless
 *       {@link Builder#billCorsPreflight} says otherwise; a plain {@code OPTIONS} follows the cost rules.
 *       The {@link ClientResolver} names the client; none is a 401, an unknown one a 403, different
 *       credentials in one request a 400, all before any quota state exists. A malformed {@code Idempotency-Key} is
 *       a 400. Then one {@link ApiBilling#reserve} call: denied writes the rate-limit fields and a 429
 *       problem (or throws {@link QuotaException}); granted writes the rate-limit fields, so they are set
 *       before the handler can commit the response, and records a {@link BilledRequest}.
 *   <li>The handler runs with {@link #asyncAware}{@code (request)}, so that a request it puts into
 *       asynchronous mode is settled when its {@code AsyncContext} completes, with the final status.
 *   <li>{@link #complete} after the handler: the {@link ChargePolicy} decides from the status (a handler
 *       that threw counts as 500) whether the reservation is committed, at the actual cost the handler
 *       reported (see {@link BilledRequest}), or released; one store call. A request apibilling refused
 *       from inside the handler (a nested spent quota, unknown client or store failure; see
 *       {@link BillingRefusals}) is released under every policy.
 * </ol>
 *
 * <p>A Spring MVC {@code AsyncHandlerInterceptor} maps onto it directly: {@code preHandle} returns
 * {@code admit(request, response)} (or {@code admit(request, response, credits)} for a cost from an
 * annotation), {@code afterConcurrentHandlingStarted} calls {@code complete(request, response, null)}, and
 * {@code afterCompletion} calls {@code complete(request, response, ex)}. Re-entering {@code admit} on the
 * async dispatch is a no-op, and each request is settled exactly once.
 *
 * <p><b>Idempotency.</b> A request with {@code Idempotency-Key} (a token, or an RFC 8941 string, of 1 to
 * 255 visible ASCII characters, validated by {@link Requirements#idempotencyKey}) is charged once for the
 * same client, method, request URI (with query) and cost within the billing's idempotency TTL: a retry is
 * served as a replay, with the first decision's headers, and costs nothing. The same key on another
 * endpoint is another request. A first attempt refunded in full was never charged: the store forgets its
 * outcome, so a retry is decided and charged anew.
 *
 * <p><b>Store failures.</b> When the store throws {@link UsageStoreException} the
 * {@link StoreFailurePolicy} applies: fail-open serves the request unbilled and without rate-limit fields,
 * fail-closed answers 503 with {@code Retry-After}. Either way the miss is counted
 * ({@link #storeFailures()}) and logged at most once per log interval, never with a stack trace in the
 * response; a request served open is reported to {@link ApiBilling#servedUnbilled} (status JSON, metrics).
 * A store failure while settling is counted in {@link #settleFailures()}; the billing retries the
 * settlement in the background until the store answers or the reservation expires.
 *
 * <p>Thread safe; one instance serves every request.
 */
public final class RequestBilling {

  /** {@value}: the servlet-context attribute under which {@link ApiBillingFilter} publishes itself. */
  public static final String CONTEXT_ATTRIBUTE = "dev.apibilling.servlet.RequestBilling";

  /** {@value} */
  public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

  /**
   * {@value}: a request attribute naming the operation of the request (e.g. {@code ReportController#create})
   * for its usage event; the Spring adapter sets it for handler methods.
   */
  public static final String OPERATION_ATTRIBUTE = "dev.apibilling.operation";

  /**
   * {@value}: the default request attribute naming the operation a request is charged as (a String such as
   * {@code send_email}, see {@link Charge#operation()}), set by code in front of the flow; it takes
   * precedence over the matched cost rule's {@code as} name. Another name is set with
   * {@link Builder#operationAttribute}.
   */
  public static final String QUOTA_OPERATION_ATTRIBUTE = "dev.apibilling.quota-operation";

  /**
   * {@value}: a request attribute with the route template of the request (e.g. {@code POST /reports/{id}})
   * for its usage event when no cost rule matched it; the Spring adapter sets it from the handler mapping.
   */
  public static final String ROUTE_ATTRIBUTE = "dev.apibilling.route";

  private static final Logger LOG = System.getLogger(RequestBilling.class.getName());

  private final ApiBilling billing;
  private final ClientResolver resolver;
  private final CostRules costs;
  private final HeaderStyle headerStyle;
  private final ChargePolicy chargePolicy;
  private final StoreFailurePolicy storeFailurePolicy;
  private final Duration storeRetryAfter;
  private final boolean throwOnQuotaExceeded;
  private final boolean billCorsPreflight;
  private final BillingProblems problems;
  private final List<String> metadataHeaders;
  private final LongAdder storeFailures = new LongAdder();
  private final RateLimitedLog storeLog;
  private final Settlement settlement;
  private final AsyncSettlement async;
  private final String operationAttribute;

  private RequestBilling(Builder b) {
    this.billing = b.billing;
    this.resolver = Objects.requireNonNull(b.resolver, "clientResolver must be set");
    this.costs = b.costs;
    this.headerStyle = b.headerStyle;
    this.chargePolicy = b.chargePolicy;
    this.storeFailurePolicy = b.storeFailurePolicy;
    this.storeRetryAfter = b.storeRetryAfter;
    this.throwOnQuotaExceeded = b.throwOnQuotaExceeded;
    this.billCorsPreflight = b.billCorsPreflight;
    this.problems = b.problems;
    this.metadataHeaders = List.copyOf(b.metadataHeaders);
    long interval = b.logInterval.toMillis();
    this.storeLog = new RateLimitedLog(LOG, billing.clock(), interval);
    this.settlement = new Settlement(billing, chargePolicy,
        new ActualCredits(new RateLimitedLog(LOG, billing.clock(), interval)),
        new RateLimitedLog(LOG, billing.clock(), interval));
    this.async = new AsyncSettlement(settlement);
    this.operationAttribute = b.operationAttribute;
  }

  /** A builder of the flow over {@code billing}; a {@link Builder#clientResolver} must be set. */
  public static Builder builder(ApiBilling billing) {
    return new Builder(billing);
  }

  // ---- before the handler ---------------------------------------------------------------------

  /**
   * Bills a request at the cost its method and path have in the {@link CostRules}; see
   * {@link #admit(HttpServletRequest, HttpServletResponse, long)}.
   */
  public boolean admit(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (BilledRequest.find(request) != null) {
      return true;
    }
    CostRule rule = costs.match(request.getMethod(), pathOf(request));
    return admit(request, response, rule.credits(), rule, rule.operation());
  }

  /**
   * Bills a request at {@code credits} before its handler runs. A request already admitted (an async or
   * forward dispatch of it) passes again without a second charge.
   *
   * @param credits what the request may cost at most; 0 lets it pass unbilled
   * @return true if the handler may run (the request is billed, replayed, free, or let through by
   *     fail-open); false if the response was written (401, 403, 400, 429, 503) and the handler must not
   *     run
   * @throws QuotaException if the quota is spent and the flow is set to throw (rate-limit fields are set)
   * @throws IllegalArgumentException if {@code credits} is negative or above
   *     {@link Requirements#MAX_CREDITS}
   * @throws IOException if writing a rejection fails
   */
  public boolean admit(HttpServletRequest request, HttpServletResponse response, long credits)
      throws IOException {
    return admit(request, response, credits, null);
  }

  /**
   * Like {@link #admit(HttpServletRequest, HttpServletResponse, long)}, charged as {@code operation} (the
   * client-wide quotas and that operation's) unless the request's operation attribute names another.
   *
   * @param operation the operation, or null for none
   * @throws IllegalArgumentException if {@code credits} is out of range or {@code operation} is not a
   *     valid operation name
   */
  public boolean admit(HttpServletRequest request, HttpServletResponse response, long credits,
      @Nullable String operation) throws IOException {
    if (credits != 0) {
      Requirements.credits(credits);
    }
    if (operation != null) {
      Requirements.operation(operation);
    }
    if (BilledRequest.find(request) != null) {
      return true;
    }
    return admit(request, response, credits, null, operation);
  }

  private boolean admit(HttpServletRequest request, HttpServletResponse response, long credits,
      @Nullable CostRule rule, @Nullable String ruleOperation) throws IOException {
    if (credits == 0 || (!billCorsPreflight && isCorsPreflight(request))) {
      return true;
    }
    ClientResolution who = resolver.resolve(request);
    String clientId = who.clientId();
    if (who.outcome() != ClientResolution.Outcome.RESOLVED || clientId == null) {
      problems.unresolved(who).write(response);
      return false;
    }
    String idempotencyKey;
    try {
      idempotencyKey = IdempotencyKeys.of(request, credits);
    } catch (IllegalArgumentException e) {
      problems.invalidIdempotencyKey(e.getMessage()).write(response);
      return false;
    }
    Map<String, String> metadata = metadata(request, rule);
    if (!metadataHeaders.isEmpty() || (rule != null && !rule.routeMetadataValid())) { // else checked once
      try {
        Requirements.metadata(metadata);
      } catch (IllegalArgumentException e) {
        problems.badRequest("A header recorded with the charge is invalid: " + e.getMessage()).write(response);
        return false;
      }
    }
    String operation = ruleOperation;
    Object named = request.getAttribute(operationAttribute);
    if (named != null) {
      try {
        operation = Requirements.operation(named instanceof String n ? n : null);
      } catch (IllegalArgumentException e) {
        problems.badRequest("The request's operation is invalid: " + e.getMessage()).write(response);
        return false;
      }
    }
    Charge charge;
    try {
      charge = new Charge(clientId, credits, idempotencyKey, metadata, operation);
    } catch (IllegalArgumentException e) {
      // The resolver named an id no client can have (too long, control characters): not a client.
      problems.unknownClient().write(response);
      return false;
    }
    BillingDecision decision;
    try {
      decision = billing.reserve(charge);
    } catch (UnknownClientException e) {
      problems.unknownClient().write(response);
      return false;
    } catch (UsageStoreException e) {
      return storeFailed(request, response, clientId, credits, e);
    }
    RateLimitHeaders.write(response, decision, headerStyle);
    if (!decision.granted()) {
      if (throwOnQuotaExceeded) {
        throw new QuotaException(decision);
      }
      problems.quotaExceeded(decision).write(response);
      return false;
    }
    request.setAttribute(BilledRequest.ATTRIBUTE, new BilledRequest(this, clientId, credits, decision));
    return true;
  }

  /** The charge's metadata: the matched cost rule as {@code route}, then the recorded headers. */
  private Map<String, String> metadata(HttpServletRequest request, @Nullable CostRule rule) {
    if (metadataHeaders.isEmpty()) {
      return rule == null ? Map.of() : rule.routeMetadata();
    }
    Map<String, String> metadata = new HashMap<>();
    if (rule != null) {
      metadata.put("route", rule.route());
    }
    for (String header : metadataHeaders) {
      String value = request.getHeader(header);
      if (value != null) {
        metadata.put(header.toLowerCase(Locale.ROOT), value);
      }
    }
    return metadata;
  }

  /** The store could not decide: fail-open serves the request unbilled, fail-closed answers 503. */
  private boolean storeFailed(HttpServletRequest request, HttpServletResponse response, String clientId,
      long credits, UsageStoreException e) throws IOException {
    storeFailures.increment();
    storeLog.warn("usage store failed deciding a request of client '" + clientId + "'; "
        + (storeFailurePolicy == StoreFailurePolicy.FAIL_OPEN ? "serving it unbilled (fail-open)"
            : "answering 503 (fail-closed)") + ": " + e, null);
    if (storeFailurePolicy == StoreFailurePolicy.FAIL_CLOSED) {
      problems.storeUnavailable(storeRetryAfter).write(response);
      return false;
    }
    billing.servedUnbilled(clientId, credits);
    request.setAttribute(BilledRequest.ATTRIBUTE, new BilledRequest(this, clientId, credits, null));
    return true;
  }

  // ---- after the handler ----------------------------------------------------------------------

  /**
   * Settles the request after its handler: commits the reservation (at the reported actual cost) if the
   * charge policy charges the response's status, else releases it; a request apibilling refused
   * ({@link BillingRefusals}) is always released. If the request is in asynchronous mode and did not
   * fail, settles when the {@code AsyncContext} completes instead. Settles each request at most once,
   * whoever calls first; does nothing for a request that holds no reservation of this flow (another flow,
   * such as a billing filter in front, admitted it and settles it), nor in a forward, include or error
   * dispatch (the dispatch that admitted the request settles it). Never throws.
   *
   * @param failure what the handler threw, or null; a failure counts as status 500, and a refusal by
   *     apibilling in it (see {@link BillingRefusals#find}) marks the request refused
   */
  public void complete(HttpServletRequest request, HttpServletResponse response, @Nullable Throwable failure) {
    DispatcherType dispatch = request.getDispatcherType();
    if (dispatch != DispatcherType.REQUEST && dispatch != DispatcherType.ASYNC) {
      return; // a forward, include or error dispatch inside the request: its outer dispatch settles
    }
    BilledRequest billed = reservedHere(request);
    if (billed == null) {
      return;
    }
    RuntimeException refusal = BillingRefusals.find(failure);
    if (refusal != null) {
      BillingRefusals.mark(request, BillingRefusals.status(refusal));
    }
    if (billed.listening()) {
      return; // the request went asynchronous: its AsyncListener settles it on completion
    }
    if (failure == null && request.isAsyncStarted()) {
      try {
        async.listen(billed, request.getAsyncContext(), request, response);
        return;
      } catch (IllegalStateException completedMeanwhile) {
        // the async cycle ended between the two calls: the status is final, settle now
      }
    }
    settlement.settle(billed, request, failure != null ? 500 : response.getStatus());
  }

  /**
   * Answers a refusal by apibilling that the handler let escape (see {@link BillingRefusals#find}) as
   * the flow answers its own refusals, and marks the request refused so that it is not charged. A spent
   * quota is left to propagate when the flow throws on spent quotas, and nothing is written to a
   * committed response.
   *
   * @return true if the response was written and {@code failure} is handled; false if the caller must
   *     rethrow it
   */
  boolean answerRefusal(HttpServletRequest request, HttpServletResponse response, Throwable failure) {
    RuntimeException refusal = BillingRefusals.find(failure);
    if (refusal == null) {
      return false;
    }
    BillingRefusals.mark(request, BillingRefusals.status(refusal));
    if (refusal instanceof UsageStoreException) {
      storeLog.warn("usage store failed in a handler; answering 503: " + refusal, null);
    }
    if (response.isCommitted() || (throwOnQuotaExceeded && refusal instanceof QuotaException)) {
      return false;
    }
    try {
      BillingRefusals.write(response, refusal, problems, headerStyle, storeRetryAfter);
      return true;
    } catch (IOException | IllegalStateException e) {
      return false; // the handler took the writer, or the client left: the container reports the failure
    }
  }

  /**
   * The request to pass to the handler: for a billed request, a wrapper whose {@code startAsync} at once
   * makes the request settle when its {@code AsyncContext} completes, which stays right even if the
   * handler dispatches or completes the context before returning; otherwise, and when the request does
   * not support asynchronous mode (its {@code startAsync} throws, so there is nothing to intercept),
   * {@code request} itself.
   * Filters use it; a framework with its own hook for "async started" can call {@link #completeAsync}
   * there instead.
   */
  public HttpServletRequest asyncAware(HttpServletRequest request) {
    BilledRequest billed = reservedHere(request);
    return billed == null || !request.isAsyncSupported() ? request : async.aware(request, billed);
  }

  /**
   * Makes a request that its handler put into asynchronous mode settle when the {@code AsyncContext}
   * completes, judged by the response of the completion event; {@link #complete}, given the response,
   * does the same for a request in asynchronous mode. Call it in the dispatch that started async mode.
   * Does nothing for a request that holds no reservation or already settles on completion.
   *
   * @throws IllegalStateException if the request is not in asynchronous mode
   */
  public void completeAsync(HttpServletRequest request) {
    BilledRequest billed = reservedHere(request);
    if (billed != null) {
      async.listen(billed, request.getAsyncContext(), request, null);
    }
  }

  /** The billing of {@code request} if this flow admitted it and holds a reservation for it, else null. */
  private @Nullable BilledRequest reservedHere(HttpServletRequest request) {
    BilledRequest billed = BilledRequest.find(request);
    return billed != null && billed.flow() == this && billed.holdsReservation() ? billed : null;
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** A CORS preflight: {@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}. */
  static boolean isCorsPreflight(HttpServletRequest request) {
    return "OPTIONS".equals(request.getMethod()) && request.getHeader("Origin") != null
        && request.getHeader("Access-Control-Request-Method") != null;
  }

  /** The path cost rules are matched against: servlet path plus path info, decoded. */
  static String pathOf(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    if (pathInfo == null) {
      return servletPath == null || servletPath.isEmpty() ? "/" : servletPath;
    }
    return servletPath == null ? pathInfo : servletPath + pathInfo;
  }

  // ---- accessors ------------------------------------------------------------------------------

  /** The billing requests are charged to. */
  public ApiBilling billing() {
    return billing;
  }

  /** Who is calling. */
  public ClientResolver clientResolver() {
    return resolver;
  }

  /** What requests cost. */
  public CostRules costRules() {
    return costs;
  }

  /** Which rate-limit fields are written. */
  public HeaderStyle headerStyle() {
    return headerStyle;
  }

  /** Which responses are charged. */
  public ChargePolicy chargePolicy() {
    return chargePolicy;
  }

  /** What a store failure does. */
  public StoreFailurePolicy storeFailurePolicy() {
    return storeFailurePolicy;
  }

  /** The {@code Retry-After} of a fail-closed 503. */
  public Duration storeFailureRetryAfter() {
    return storeRetryAfter;
  }

  /** Whether a spent quota throws {@link QuotaException} instead of answering 429. */
  public boolean throwsOnQuotaExceeded() {
    return throwOnQuotaExceeded;
  }

  /** The request headers recorded with each charge as metadata. */
  public List<String> metadataHeaders() {
    return metadataHeaders;
  }

  /** The request attribute naming the operation a request is charged as. */
  public String operationAttribute() {
    return operationAttribute;
  }

  /** Whether CORS preflight requests are billed like others (by default they pass unbilled). */
  public boolean billsCorsPreflight() {
    return billCorsPreflight;
  }

  /** The problems the flow answers with. */
  public BillingProblems problems() {
    return problems;
  }

  /** Decisions the store failed to make since this flow was built (served open or refused closed). */
  public long storeFailures() {
    return storeFailures.sum();
  }

  /** Commits and releases the store failed to make since this flow was built. */
  public long settleFailures() {
    return settlement.failures();
  }

  @Override
  public String toString() {
    return "RequestBilling{resolver=" + resolver + ", costs=" + costs + ", headers=" + headerStyle
        + ", charge=" + chargePolicy + ", storeFailure=" + storeFailurePolicy + '}';
  }

  /** Settings of a {@link RequestBilling}; all but the client resolver have defaults. Not thread safe. */
  public static final class Builder {
    private final ApiBilling billing;
    private @Nullable ClientResolver resolver;
    private CostRules costs = CostRules.of(1);
    private HeaderStyle headerStyle = HeaderStyle.BOTH;
    private ChargePolicy chargePolicy = ChargePolicy.BELOW_500;
    private StoreFailurePolicy storeFailurePolicy = StoreFailurePolicy.FAIL_OPEN;
    private Duration storeRetryAfter = Duration.ofSeconds(5);
    private Duration logInterval = Duration.ofMinutes(1);
    private boolean throwOnQuotaExceeded;
    private boolean billCorsPreflight;
    private BillingProblems problems = BillingProblems.defaults();
    private final List<String> metadataHeaders = new ArrayList<>();
    private String operationAttribute = QUOTA_OPERATION_ATTRIBUTE;

    private Builder(ApiBilling billing) {
      this.billing = Objects.requireNonNull(billing, "billing");
    }

    /** Who is calling (required). */
    public Builder clientResolver(ClientResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "clientResolver");
      return this;
    }

    /** What requests cost (default: 1 credit each). */
    public Builder costRules(CostRules costs) {
      this.costs = Objects.requireNonNull(costs, "costRules");
      return this;
    }

    /** Which rate-limit fields are written (default {@link HeaderStyle#BOTH}). */
    public Builder headerStyle(HeaderStyle style) {
      this.headerStyle = Objects.requireNonNull(style, "headerStyle");
      return this;
    }

    /** Which responses are charged (default {@link ChargePolicy#BELOW_500}). */
    public Builder chargePolicy(ChargePolicy policy) {
      this.chargePolicy = Objects.requireNonNull(policy, "chargePolicy");
      return this;
    }

    /** What a store failure does (default {@link StoreFailurePolicy#FAIL_OPEN}). */
    public Builder storeFailurePolicy(StoreFailurePolicy policy) {
      this.storeFailurePolicy = Objects.requireNonNull(policy, "storeFailurePolicy");
      return this;
    }

    /** The {@code Retry-After} of a fail-closed 503 (default 5 seconds; whole seconds, rounded up). */
    public Builder storeFailureRetryAfter(Duration retryAfter) {
      this.storeRetryAfter = Requirements.positive("storeFailureRetryAfter", retryAfter);
      return this;
    }

    /** How often, at most, each kind of failure is logged (default 1 minute of the billing's clock). */
    public Builder failureLogInterval(Duration interval) {
      this.logInterval = Requirements.positive("failureLogInterval", interval);
      return this;
    }

    /**
     * Whether a spent quota throws {@link QuotaException} (for an error page or exception handler)
     * instead of answering 429 (default false). Rate-limit fields are set before it is thrown.
     */
    public Builder throwOnQuotaExceeded(boolean enabled) {
      this.throwOnQuotaExceeded = enabled;
      return this;
    }

    /**
     * Whether a CORS preflight ({@code OPTIONS} with {@code Origin} and
     * {@code Access-Control-Request-Method}) is billed by the cost rules like any request (default false:
     * it passes unbilled and needs no credentials, as browsers send none).
     */
    public Builder billCorsPreflight(boolean enabled) {
      this.billCorsPreflight = enabled;
      return this;
    }

    /** The problem types answered with (default {@link BillingProblems#defaults()}). */
    public Builder problems(BillingProblems problems) {
      this.problems = Objects.requireNonNull(problems, "problems");
      return this;
    }

    /**
     * The URI the problem types are appended to (default {@value BillingProblems#DEFAULT_TYPE_BASE}): the
     * same as {@code problems(BillingProblems.withTypeBase(typeBase))}.
     *
     * @throws SettingException naming {@code problemTypeBase} if it is not an absolute URI ending in
     *     {@code /}, {@code :} or {@code #}
     */
    public Builder problemTypeBase(String typeBase) {
      return problems(BillingProblems.withTypeBase(typeBase));
    }

    /**
     * Request headers recorded with each charge as metadata (and so in its usage event), keyed by the
     * header's lower-case name (default none). A request whose header value is not valid metadata (over 256
     * characters) is answered 400.
     *
     * @throws SettingException naming {@code metadataHeaders} if a name is blank or there are more than the
     *     metadata allows
     */
    public Builder metadataHeaders(List<String> headers) {
      if (headers.size() >= Requirements.MAX_METADATA_ENTRIES) {
        throw new SettingException("metadataHeaders", "must be fewer than " + Requirements.MAX_METADATA_ENTRIES
            + " (one metadata entry is the route) but were " + headers.size());
      }
      metadataHeaders.clear();
      for (String h : headers) {
        if (h == null || h.isBlank()) {
          throw new SettingException("metadataHeaders", "must be header names but had "
              + (h == null ? "null" : "a blank one"));
        }
        metadataHeaders.add(h.trim());
      }
      return this;
    }

    /**
     * The request attribute naming the operation a request is charged as (default
     * {@value RequestBilling#QUOTA_OPERATION_ATTRIBUTE}); a request whose attribute is not a valid
     * operation name is answered 400.
     *
     * @throws SettingException naming {@code operationAttribute} if the name is blank
     */
    public Builder operationAttribute(String name) {
      if (name == null || name.isBlank()) {
        throw new SettingException("operationAttribute", "must be a request attribute name but was blank");
      }
      this.operationAttribute = name.trim();
      return this;
    }

    /**
     * @throws IllegalStateException if no client resolver was set
     */
    public RequestBilling build() {
      if (resolver == null) {
        throw new IllegalStateException("clientResolver must be set");
      }
      return new RequestBilling(this);
    }
  }
}
