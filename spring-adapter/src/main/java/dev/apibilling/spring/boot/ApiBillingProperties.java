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
import dev.apibilling.servlet.StoreFailurePolicy;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import dev.apibilling.Requirements;
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
 * @param headers Rate-limit header fields responses carry: ietf (RateLimit-Policy and RateLimit), legacy
 *     (X-RateLimit-*), both or none.
 * @param chargePolicy Which finished requests keep their credits (always, below-500, success-2xx); the
 *     others are refunded.
 * @param failurePolicy What a request gets when the usage store cannot answer: fail-open serves it
 *     unbilled, fail-closed answers 503.
 * @param failureRetryAfter Retry-After of the 503 answered when the store fails.
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
    @DefaultValue("both") HeaderStyle headers,
    @DefaultValue("below-500") ChargePolicy chargePolicy,
    @DefaultValue("fail-open") StoreFailurePolicy failurePolicy,
    @DefaultValue("5s") Duration failureRetryAfter,
    @DefaultValue("auto") ClientResolverKind clientResolver,
    @DefaultValue("Bearer") String principalChallenge,
    @DefaultValue ApiKey apiKey,
    List<String> costRules,
    @DefaultValue("0") long defaultCredits,
    @DefaultValue(BillingProblems.DEFAULT_TYPE_BASE) String problemTypeBase,
    @DefaultValue Metrics metrics,
    @DefaultValue Events events,
    @DefaultValue Leases leases) {

  /**
   * @throws IllegalArgumentException if a client or the default plan names a plan that is not defined, a
   *     plan is empty or repeats a policy name, or a TTL is not positive
   */
  public ApiBillingProperties {
    plans = plans == null ? Map.of() : Map.copyOf(plans);
    clients = clients == null ? Map.of() : Map.copyOf(clients);
    thresholds = List.copyOf(thresholds);
    costRules = costRules == null ? List.of() : List.copyOf(costRules);
    positive("apibilling.failure-retry-after", failureRetryAfter);
    try {
      ClientResolver.principal(principalChallenge);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.principal-challenge: " + e.getMessage(), e);
    }
    if (defaultCredits < 0 || defaultCredits > Requirements.MAX_CREDITS) {
      throw new IllegalArgumentException("apibilling.default-credits must be >= 0 and <= "
          + Requirements.MAX_CREDITS + " but was " + defaultCredits);
    }
    try {
      CostRules.parse(defaultCredits, String.join("\n", costRules));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.cost-rules: " + e.getMessage(), e);
    }
    try {
      BillingProblems.withTypeBase(problemTypeBase);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("apibilling.problem-type-base: " + e.getMessage(), e);
    }
    positive("apibilling.idempotency-ttl", idempotencyTtl);
    positive("apibilling.reservation-ttl", reservationTtl);
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
    for (double t : thresholds) {
      if (!(t > 0 && t <= 1)) {
        throw new IllegalArgumentException("apibilling.thresholds must be > 0 and <= 1 but had " + t);
      }
    }
  }

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
    QuotaPlans.Builder b = QuotaPlans.builder("apibilling.plans");
    plans.forEach((name, quotas) -> b.plan(name, quotas.stream().map(Quota::toDefinition).toList()));
    clients.forEach((id, client) -> b.client(id, client.plan(), "apibilling.clients." + id + ".plan"));
    return b.defaultPlan(defaultPlan, "apibilling.default-plan").build();
  }

  private static void positive(String property, Duration d) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(property + " must be > 0 but was " + d);
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
  public record QuotaSource(@DefaultValue("1m") Duration cacheTtl, @DefaultValue("100000") long cacheSize) {
    public QuotaSource {
      positive("apibilling.quota-source.cache-ttl", cacheTtl);
      if (cacheSize <= 0) {
        throw new IllegalArgumentException("apibilling.quota-source.cache-size must be > 0 but was " + cacheSize);
      }
    }
  }

  /**
   * Usage events.
   *
   * @param enabled Whether every billed request records a usage event (on by itself when exported).
   * @param source CloudEvents source of this instance's events; default apibilling://HOST/PID.
   * @param metadataHeaders Request headers recorded with each charge as metadata, keyed by the lower-case
   *     header name (e.g. X-Workflow-Id); an over-long value is answered 400.
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
      if (source != null) {
        Requirements.eventSource(source);
      }
      Requirements.between("apibilling.events.batch-size", batchSize, 10_000);
      positive("apibilling.events.retention", retention);
    }

    /** Whether events are recorded: enabled, or exported. */
    public boolean recorded() {
      return enabled || exported();
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
