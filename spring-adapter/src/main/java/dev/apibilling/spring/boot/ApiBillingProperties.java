package dev.apibilling.spring.boot;

import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaFields;
import dev.apibilling.QuotaPlans;
import dev.apibilling.servlet.BillingProblems;
import dev.apibilling.servlet.ChargePolicy;
import dev.apibilling.servlet.ClientResolver;
import dev.apibilling.servlet.CostRules;
import dev.apibilling.servlet.HeaderStyle;
import dev.apibilling.servlet.RequestBilling;
import dev.apibilling.servlet.StoreFailurePolicy;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import dev.apibilling.Requirements;
import dev.apibilling.SettingException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The apibilling.* properties. Bound once at start-up and validated as they are bound: a wrong value
 * stops the application with a message naming the property. Immutable.
 *
 * <pre>
 * apibilling.plans.free=day:100
 * apibilling.plans.pro[0].duration=month
 * apibilling.plans.pro[0].limit=100000
 * apibilling.plans.pro[0].anchor=2026-01-31
 * apibilling.clients.acme.plan=pro
 * apibilling.clients.acme.api-keys=${ACME_API_KEY}
 * </pre>
 *
 * @param enabled Whether to auto-configure billing.
 * @param store Where usage is kept: "memory", a "redis://" URL (needs apibilling-store-redis) or a "jdbc:"
 *     URL (needs apibilling-store-jdbc). Ignored when the application defines a UsageStore bean.
 * @param plans Plans by name, each a list of quotas: structured (plans.NAME[0].duration, .limit, .anchor,
 *     .zone, .policy, .unlimited, .operation) or in one line ("day:500, month:10000 anchor=2026-01-31,
 *     day:50 operation=send_email").
 * @param clients Clients by id, with their plan and API keys. Ids with dots or upper-case letters go in
 *     brackets: apibilling.clients[acme.eu].plan.
 * @param defaultPlan Plan of callers that are neither listed in clients nor known to a QuotaDefinitionSource
 *     bean. Without it such callers are answered 403.
 * @param historyZone Time zone whose days the daily usage history is counted in.
 * @param idempotencyTtl How long a request's Idempotency-Key is remembered.
 * @param reservationTtl Longest time credits reserved for a request in progress are held (a crashed
 *     instance's holds too); a request running longer is not charged.
 * @param thresholds Fractions of a limit whose crossing is reported to listeners and metrics.
 * @param quotaSource Caching of the answers of a QuotaDefinitionSource bean.
 * @param headerStyle Rate-limit header fields responses carry: ietf (RateLimit-Policy and RateLimit),
 *     legacy (X-RateLimit-*), both or none.
 * @param headers Deprecated name of header-style.
 * @param chargePolicy Which finished requests keep their credits (always, below-500, success-2xx); the
 *     others are refunded.
 * @param storeFailurePolicy What a request gets when the usage store cannot answer: fail-open serves it
 *     unbilled, fail-closed answers 503.
 * @param failurePolicy Deprecated name of store-failure-policy.
 * @param storeFailureRetryAfter Retry-After of the 503 answered when the store fails.
 * @param failureRetryAfter Deprecated name of store-failure-retry-after.
 * @param failureLogInterval How often, at most, each kind of store failure (and a bad actual-cost report)
 *     is logged.
 * @param throwOnQuotaExceeded Whether a spent quota throws QuotaException to the application's exception
 *     handlers instead of being answered 429 by apibilling.
 * @param billCorsPreflight Whether a CORS preflight (OPTIONS with Origin and
 *     Access-Control-Request-Method) is billed like other requests; by default it passes unbilled.
 * @param metadataHeaders Request headers recorded with each charge as metadata, keyed by the lower-case
 *     header name (e.g. X-Workflow-Id); an over-long value is answered 400.
 * @param operationAttribute Request attribute naming the operation a request is charged as (a String such
 *     as send_email, set by code in front of billing); it takes precedence over a cost rule's "as" name.
 * @param clientResolver How callers are identified: auto, principal or api-key. auto is the authenticated
 *     principal alone when Spring Security is configured (an anonymous request gets 401), else the
 *     principal and, for anonymous requests, the API key. Ignored when the application defines a
 *     ClientResolver bean.
 * @param principalChallenge WWW-Authenticate challenge of the 401 answered to a request without a principal
 *     (client-resolver principal, or auto with Spring Security), for example Basic realm="api": the scheme
 *     the application authenticates with.
 * @param apiKey Where API keys are read from.
 * @param costRules Credits of requests to handlers without @Billed, as "[METHOD] /pattern = credits"
 *     entries tried in order, for example "POST /api/reports/* = 5" ("*" matches within a path segment,
 *     "**" any number of segments).
 * @param defaultCredits Credits of requests to handlers without @Billed that no cost rule matches. 0 leaves
 *     them unbilled.
 * @param problemTypeBase URI that the problem types (quota-exceeded, unknown-client, ...) of problem
 *     responses are appended to.
 * @param metrics Micrometer metrics, recorded when there is a MeterRegistry bean.
 * @param usageEvents Whether every billed request records a usage event, atomically with its credits (on by
 *     itself when events are exported).
 * @param eventSource CloudEvents source of this instance's events; default apibilling://HOST/PID.
 * @param events Usage events: a record of every billed request, written atomically with its credits and
 *     exported to a metering or billing system.
 * @param leases Leased budgets of hot clients (off by default).
 */
@ConfigurationProperties("apibilling")
public record ApiBillingProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("memory") String store,
    Map<String, List<Quota>> plans,
    Map<String, Client> clients,
    @Nullable String defaultPlan,
    @DefaultValue("UTC") ZoneId historyZone,
    @DefaultValue("24h") Duration idempotencyTtl,
    @DefaultValue("30s") Duration reservationTtl,
    @DefaultValue({"0.8", "1.0"}) List<Double> thresholds,
    @DefaultValue QuotaSource quotaSource,
    @Nullable HeaderStyle headerStyle,
    @Nullable HeaderStyle headers,
    @DefaultValue("below-500") ChargePolicy chargePolicy,
    @Nullable StoreFailurePolicy storeFailurePolicy,
    @Nullable StoreFailurePolicy failurePolicy,
    @Nullable Duration storeFailureRetryAfter,
    @Nullable Duration failureRetryAfter,
    @DefaultValue("1m") Duration failureLogInterval,
    @DefaultValue("false") boolean throwOnQuotaExceeded,
    @DefaultValue("false") boolean billCorsPreflight,
    @Nullable List<String> metadataHeaders,
    @DefaultValue(RequestBilling.QUOTA_OPERATION_ATTRIBUTE) String operationAttribute,
    @DefaultValue("auto") ClientResolverKind clientResolver,
    @DefaultValue("Bearer") String principalChallenge,
    @DefaultValue ApiKey apiKey,
    List<String> costRules,
    @DefaultValue("0") long defaultCredits,
    @DefaultValue(BillingProblems.DEFAULT_TYPE_BASE) String problemTypeBase,
    @DefaultValue Metrics metrics,
    @Nullable Boolean usageEvents,
    @Nullable String eventSource,
    @DefaultValue Events events,
    @DefaultValue Leases leases) {

  /**
   * Settings whose names changed, by their names now: the old names keep binding, with a warning, as long
   * as the new one is not set too.
   */
  static final Map<String, String> DEPRECATED = Map.of(
      "header-style", "headers",
      "store-failure-policy", "failure-policy",
      "store-failure-retry-after", "failure-retry-after",
      "metadata-headers", "events.metadata-headers",
      "usage-events", "events.enabled",
      "event-source", "events.source");

  /**
   * Property names of builder settings that do not sit at the top level (see {@link #propertyOf}).
   */
  private static final Map<String, String> NESTED = Map.of(
      "quotaSourceCacheTtl", "quota-source.cache-ttl",
      "quotaSourceCacheSize", "quota-source.cache-size",
      "batchSize", "events.batch-size",
      "retention", "events.retention");

  /**
   * Resolves the deprecated names (listed in the settings table of the servlet-filter README). The rules
   * of the core and servlet settings are checked where they live, when the beans are built, and reported
   * under the property's name; the ones here are the Spring binding's own (plans and clients, keys, the names
   * themselves), and the cost rules and problem type base are parsed here by their own parsers, so that a
   * malformed one stops the start-up also of an application without Spring MVC.
   *
   * @throws IllegalArgumentException if a client or the default plan names a plan that is not defined, a
   *     plan is empty or repeats a policy name, a value is malformed, or a setting is given under its old
   *     and its new name
   */
  public ApiBillingProperties {
    plans = plans == null ? Map.of() : Map.copyOf(plans);
    clients = clients == null ? Map.of() : Map.copyOf(clients);
    thresholds = List.copyOf(thresholds);
    costRules = costRules == null ? List.of() : List.copyOf(costRules);
    headerStyle = current("header-style", headerStyle, headers, HeaderStyle.BOTH);
    storeFailurePolicy = current("store-failure-policy", storeFailurePolicy, failurePolicy,
        StoreFailurePolicy.FAIL_OPEN);
    storeFailureRetryAfter = current("store-failure-retry-after", storeFailureRetryAfter, failureRetryAfter,
        Duration.ofSeconds(5));
    List<String> oldHeaders = events == null || events.metadataHeaders().isEmpty() ? null : events.metadataHeaders();
    metadataHeaders = List.copyOf(current("metadata-headers",
        metadataHeaders == null || metadataHeaders.isEmpty() ? null : metadataHeaders, oldHeaders, List.of()));
    usageEvents = current("usage-events", usageEvents, events != null && events.enabled() ? Boolean.TRUE : null,
        Boolean.FALSE);
    eventSource = current("event-source", eventSource, events == null ? null : events.source(), null);
    try {
      ClientResolver.principal(principalChallenge);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.principal-challenge: " + e.getMessage(), e);
    }
    try {
      CostRules.parse(defaultCredits, String.join("\n", costRules));
      BillingProblems.withTypeBase(problemTypeBase);
    } catch (SettingException e) {
      throw new IllegalArgumentException(e.messageFor("apibilling." + SettingException.kebabCase(e.setting())), e);
    }
    quotaPlans(plans, clients, defaultPlan);
    Map<String, String> keyOwners = new HashMap<>();
    for (Map.Entry<String, Client> client : clients.entrySet()) {
      String id = client.getKey();
      List<String> keys = client.getValue().apiKeys();
      for (int i = 0; i < keys.size(); i++) {
        String key = keys.get(i);
        if (key.isBlank()) {
          throw new IllegalArgumentException(
              "apibilling.clients." + id + ".api-keys[" + i + "] must not be blank");
        }
        String other = keyOwners.putIfAbsent(key, id);
        if (other != null) {
          // never echo the key itself
          throw new IllegalArgumentException("apibilling.clients." + id + ".api-keys[" + i
              + "] is also an API key of client '" + other + "'; a key identifies one client");
        }
      }
    }
  }

  private static <T> @Nullable T current(String name, @Nullable T value, @Nullable T deprecatedValue,
      @Nullable T fallback) {
    String old = DEPRECATED.get(name);
    if (deprecatedValue == null) {
      return value != null ? value : fallback;
    }
    if (value != null) {
      throw new IllegalArgumentException("apibilling." + old + " is the deprecated name of apibilling." + name
          + "; set only apibilling." + name);
    }
    LOG.log(System.Logger.Level.WARNING, "apibilling." + old + " is deprecated; name it apibilling." + name);
    return deprecatedValue;
  }

  /**
   * The property a builder setting is bound from: {@code apibilling.} and its kebab-case name, its group's
   * name when it sits in one ({@code quota-source.cache-ttl}), or its deprecated name when that is the one
   * set.
   */
  String propertyOf(String setting) {
    String name = NESTED.getOrDefault(setting, SettingException.kebabCase(setting));
    boolean oldNameSet = switch (name) {
      case "header-style" -> headers != null;
      case "store-failure-policy" -> failurePolicy != null;
      case "store-failure-retry-after" -> failureRetryAfter != null;
      case "metadata-headers" -> !events.metadataHeaders().isEmpty();
      case "event-source" -> events.source() != null;
      default -> false;
    };
    return "apibilling." + (oldNameSet ? DEPRECATED.get(name) : name);
  }

  /** An error of a builder setting, named as its property. */
  IllegalArgumentException named(SettingException e) {
    return new IllegalArgumentException(e.messageFor(propertyOf(e.setting())), e);
  }

  /** {@link #headerStyle()}, under its deprecated name. */
  @Override
  public HeaderStyle headers() {
    return headerStyle;
  }

  /** {@link #storeFailurePolicy()}, under its deprecated name. */
  @Override
  public StoreFailurePolicy failurePolicy() {
    return storeFailurePolicy;
  }

  /** Whether usage events are recorded: {@link #usageEvents()}, or because they are exported. */
  public boolean recordsUsageEvents() {
    return Boolean.TRUE.equals(usageEvents) || events.exported();
  }

  /** {@link #storeFailureRetryAfter()}, under its deprecated name. */
  @Override
  public Duration failureRetryAfter() {
    return storeFailureRetryAfter;
  }

  private static final System.Logger LOG = System.getLogger(ApiBillingProperties.class.getName());

  /** The client id of every API key in {@link #clients()}. */
  public Map<String, String> apiKeys() {
    Map<String, String> keys = new HashMap<>();
    clients.forEach((id, client) -> client.apiKeys().forEach(k -> keys.put(k, id)));
    return keys;
  }

  /** The cost rules of requests to handlers without @Billed. */
  public CostRules costs() {
    return CostRules.parse(defaultCredits, String.join("\n", costRules));
  }

  /** The plans, clients and default plan, read by the quota language of core. */
  public QuotaPlans quotaPlans() {
    return quotaPlans(plans, clients, defaultPlan);
  }

  private static QuotaPlans quotaPlans(Map<String, List<Quota>> plans, Map<String, Client> clients,
      @Nullable String defaultPlan) {
    try {
      QuotaPlans.Builder b = QuotaPlans.builder("apibilling.plans");
      plans.forEach((name, quotas) -> b.plan(name, quotas.stream().map(Quota::toDefinition).toList()));
      clients.forEach((id, client) -> b.client(id, client.plan(), "apibilling.clients." + id + ".plan"));
      return b.defaultPlan(defaultPlan, "apibilling.default-plan").build();
    } catch (SettingException e) {
      // plans, clients or defaultPlan: reported under that property, unless the message names it already
      String property = "apibilling." + SettingException.kebabCase(e.setting());
      String message = String.valueOf(e.getMessage());
      throw new IllegalArgumentException(message.startsWith(property) ? message : e.messageFor(property), e);
    }
  }


  /** How the auto-configured ClientResolver tells who is calling. */
  public enum ClientResolverKind {
    /**
     * With Spring Security configured, the authenticated principal only; otherwise the principal (the
     * container's authentication), else the API key.
     */
    AUTO,
    /** The authenticated principal's name only; an anonymous request gets 401. */
    PRINCIPAL,
    /** The API key only. */
    API_KEY
  }

  /**
   * Where API keys are read.
   *
   * @param header Request header carrying the API key.
   * @param bearer Whether an "Authorization: Bearer" token is read as the API key when the header is
   *     absent.
   */
  public record ApiKey(@DefaultValue("X-Api-Key") String header, @DefaultValue("true") boolean bearer) {}

  /**
   * One quota of a plan, checked by core's quota language ({@link QuotaFields}).
   *
   * @param duration the window: second, minute, hour, day, week, month or year
   * @param limit credits per window (0 suspends the plan); required unless unlimited
   * @param unlimited whether the quota only counts and never blocks
   * @param policy the name headers report (default: the duration, e.g. day)
   * @param anchor what windows count from (default 2001-01-01: calendar months and ISO weeks): a date
   *     (2026-01-31, windows start at the start of a day), a local date-time in the zone
   *     (2026-01-31T09:30) or an instant (2026-01-31T09:30:00Z, 2026-01-31T09:30+01:00)
   * @param zone the zone whose local calendar bounds the windows (default UTC)
   * @param operation the operation whose charges alone count against the quota, next to the client-wide
   *     quotas (default: none, a client-wide quota)
   */
  public record Quota(
      @Nullable QuotaDuration duration,
      @Nullable Long limit,
      @DefaultValue("false") boolean unlimited,
      @Nullable String policy,
      @Nullable String anchor,
      @Nullable ZoneId zone,
      @Nullable String operation) {

    /** @throws IllegalArgumentException if the quota is incomplete or a value is out of range */
    public Quota {
      fields(duration, limit, unlimited, policy, anchor, zone, operation).toDefinition("quota");
    }

    /** The properties of quota. */
    public static Quota of(QuotaDefinition quota) {
      return new Quota(quota.duration(), quota.unlimited() ? null : quota.limit(), quota.unlimited(),
          quota.policy(), quota.anchorText(), quota.zone(), quota.operation());
    }

    /** The quota as core defines it. */
    public QuotaDefinition toDefinition() {
      return fields(duration, limit, unlimited, policy, anchor, zone, operation).toDefinition("quota");
    }

    private static QuotaFields fields(@Nullable QuotaDuration duration, @Nullable Long limit,
        boolean unlimited, @Nullable String policy, @Nullable String anchor, @Nullable ZoneId zone,
        @Nullable String operation) {
      return new QuotaFields(duration == null ? null : duration.name(), limit == null ? null : limit.toString(),
          unlimited, policy, anchor, zone == null ? null : zone.getId(), operation);
    }
  }

  /**
   * A client configured in properties.
   *
   * @param plan Name of the client's plan under apibilling.plans.
   * @param apiKeys API keys that identify the client, plain or as "sha256:" and 64 hex digits. Keep them
   *     out of source control (environment variables, a secret store).
   */
  public record Client(@Nullable String plan, List<String> apiKeys) {
    public Client {
      apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
    }

    /** Names the plan and counts the keys; never shows a key. */
    @Override
    public String toString() {
      return "Client[plan=" + plan + ", apiKeys=" + apiKeys.size() + "]";
    }
  }

  /**
   * Caching of a QuotaDefinitionSource bean's answers, known and unknown clients alike.
   *
   * @param cacheTtl How long an answer is used before the source is asked again.
   * @param cacheSize Most answers kept.
   */
  public record QuotaSource(@DefaultValue("1m") Duration cacheTtl, @DefaultValue("100000") long cacheSize) {}

  /**
   * Usage events.
   *
   * @param enabled Deprecated name of apibilling.usage-events.
   * @param source Deprecated name of apibilling.event-source.
   * @param metadataHeaders Deprecated name of apibilling.metadata-headers.
   * @param exportTo URL that usage events are posted to as CloudEvents batches (e.g. OpenMeter's
   *     /api/v1/events).
   * @param exportFile File that usage events are appended to as JSON lines, instead of export-to.
   * @param batchSize Most events per delivery.
   * @param retention How long delivered events stay queryable before the exporter purges them.
   */
  public record Events(
      @DefaultValue("false") boolean enabled,
      @Nullable String source,
      List<String> metadataHeaders,
      @Nullable URI exportTo,
      @Nullable String exportFile,
      @DefaultValue("500") int batchSize,
      @DefaultValue("30d") Duration retention) {

    /** @throws IllegalArgumentException if both export-to and export-file are set, or a value is invalid */
    public Events {
      metadataHeaders = metadataHeaders == null ? List.of() : List.copyOf(metadataHeaders);
      if (exportTo != null && exportFile != null) {
        throw new IllegalArgumentException(
            "apibilling.events.export-to and apibilling.events.export-file cannot both be set: events go to one sink");
      }
    }

    /** Whether an exporter runs. */
    public boolean exported() {
      return exportTo != null || exportFile != null;
    }
  }

  /**
   * Micrometer metrics.
   *
   * @param enabled Whether billing metrics are recorded when there is a MeterRegistry bean.
   * @param tagClientId Whether meters carry a client tag. Only for a small, fixed set of clients: each
   *     client adds time series.
   */
  public record Metrics(@DefaultValue("true") boolean enabled, @DefaultValue("false") boolean tagClientId) {}

  /**
   * Leased budgets: a hot client's requests are decided from a block of credits this instance leased
   * from the store, without a store call, never overspent (see LeaseSettings in apibilling-core).
   *
   * @param enabled Whether hot clients' budgets are leased (with LeaseSettings.defaults()).
   */
  public record Leases(@DefaultValue("false") boolean enabled) {}
}
