package dev.apibilling;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The quota language: named plans of quotas, the plan each client is on, and the plan of clients not
 * listed. The one parser and the one set of checks of quota configuration; web.xml, properties files,
 * JSON and Spring properties only hand it their text. Immutable.
 *
 * <p>A plan's quotas are written {@code duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY]
 * [operation=NAME]}, separated by commas: {@code day:500, month:10000 anchor=2026-01-31 zone=Europe/Berlin,
 * day:50 operation=send_email}. The duration is one of {@code second minute hour day week month year}; the
 * limit a whole number ({@code _} allowed as a digit separator) or {@code unlimited}; {@code anchor} the
 * date, local date-time or instant windows count from ({@link QuotaDefinition#anchoredAt(String)}),
 * {@code zone} a zone id, {@code name} the policy name (default: the duration's name), {@code operation}
 * the operation the quota is for (default: none, client-wide). The grammar with examples is in the
 * README's "The quota language".
 *
 * <ul>
 *   <li>{@link #parse}: {@code plans} as {@code name = quotas} entries separated by {@code ;} or line
 *       breaks, {@code clients} as {@code clientId = plan} entries separated by {@code ,}, {@code ;} or
 *       line breaks;
 *   <li>{@link #fromProperties}: keys {@code plan.NAME = quotas}, {@code client.ID = plan},
 *       {@code default-plan = plan};
 *   <li>{@link #builder}: plans, clients and the default plan one by one, from structured configuration,
 *       each quota as text or as {@link QuotaFields}.
 * </ul>
 *
 * <p>Every error is a {@link SettingException} whose message names the entry, and whose
 * {@link SettingException#setting()} is the setting it belongs to: {@value #PLANS}, {@value #CLIENTS} or
 * {@value #DEFAULT_PLAN} (web.xml and Spring name them {@code plans}, {@code clients} and
 * {@code default-plan}).
 */
public final class QuotaPlans {

  /** The setting of the plans, as {@link SettingException#setting()} names it. */
  public static final String PLANS = "plans";
  /** The setting of the clients' plans, as {@link SettingException#setting()} names it. */
  public static final String CLIENTS = "clients";
  /** The setting of the default plan, as {@link SettingException#setting()} names it. */
  public static final String DEFAULT_PLAN = "defaultPlan";

  private final Map<String, List<QuotaDefinition>> plans;
  private final @Nullable String defaultPlan;
  private final Map<String, String> clients;

  private QuotaPlans(Builder b) {
    for (Map.Entry<String, String> c : b.clients.entrySet()) {
      try {
        Requirements.planReference(b.clientSettings.get(c.getKey()), c.getValue(), b.plansSetting,
            b.plans.keySet());
      } catch (IllegalArgumentException e) {
        throw error(CLIENTS, e);
      }
    }
    if (b.defaultPlan != null) {
      try {
        Requirements.planReference(b.defaultPlanSetting, b.defaultPlan, b.plansSetting, b.plans.keySet());
      } catch (IllegalArgumentException e) {
        throw error(DEFAULT_PLAN, e);
      }
    }
    this.plans = Collections.unmodifiableMap(new LinkedHashMap<>(b.plans));
    this.defaultPlan = b.defaultPlan;
    this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(b.clients));
  }

  /**
   * Plans and clients from text (the filter's {@code plans}, {@code default-plan} and {@code clients}
   * init-params). At least one client has quotas ({@link #requireSomeClient()}).
   *
   * @param plans {@code name = quotas} entries separated by {@code ;} or line breaks; {@code #} starts a
   *     comment line
   * @param defaultPlan the plan of clients not listed, or null: they are unknown
   * @param clients {@code clientId = plan} entries separated by {@code ,}, {@code ;} or line breaks, or null
   * @throws IllegalArgumentException if anything is malformed, a plan is named twice, or a plan referred
   *     to is not defined
   */
  public static QuotaPlans parse(String plans, @Nullable String defaultPlan, @Nullable String clients) {
    Builder b = builder("plans");
    for (String entry : plans.split("[;\\r\\n]+")) {
      String e = entry.trim();
      if (e.isEmpty() || e.startsWith("#")) {
        continue;
      }
      int eq = e.indexOf('=');
      if (eq < 0) {
        throw SettingException.described(PLANS, "plan must be 'name = quotas' but was '" + e + "'", null);
      }
      b.plan(e.substring(0, eq), e.substring(eq + 1));
    }
    if (clients != null) {
      for (String entry : clients.split("[,;\\r\\n]+")) {
        String e = entry.trim();
        if (e.isEmpty() || e.startsWith("#")) {
          continue;
        }
        int eq = e.lastIndexOf('=');
        if (eq < 0) {
          throw SettingException.described(CLIENTS, "client entry must be 'clientId = plan' but was '" + e + "'",
              null);
        }
        String id = e.substring(0, eq).trim();
        b.client(id, e.substring(eq + 1), "client '" + id + "' in clients");
      }
    }
    return b.defaultPlan(defaultPlan, "default plan").build().requireSomeClient();
  }

  /**
   * Plans and clients from properties: {@code plan.NAME = quotas}, {@code client.ID = plan},
   * {@code default-plan = plan}; any other key is an error. At least one client has quotas.
   *
   * @throws IllegalArgumentException if anything is malformed
   */
  public static QuotaPlans fromProperties(Properties properties) {
    Builder b = builder("plan.NAME");
    for (String key : new TreeSet<>(properties.stringPropertyNames())) {
      String value = properties.getProperty(key);
      if (key.startsWith("plan.")) {
        b.plan(key.substring(5), value);
      } else if (key.startsWith("client.")) {
        b.client(key.substring(7), value, key);
      } else if (key.equals("default-plan")) {
        b.defaultPlan(value, key);
      } else {
        throw new IllegalArgumentException("quota property '" + key + "' is not one of plan.NAME, "
            + "client.ID, default-plan");
      }
    }
    return b.build().requireSomeClient();
  }

  /**
   * A plan's quotas, {@code duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY] [operation=NAME]}
   * separated by commas.
   *
   * @throws IllegalArgumentException if a quota is malformed, there is none, or two share a policy name
   */
  public static List<QuotaDefinition> parseQuotas(String text) {
    return PlanParser.quotas(text);
  }

  /**
   * One quota, {@code duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY] [operation=NAME]}.
   *
   * @throws IllegalArgumentException if it is malformed
   */
  public static QuotaDefinition parseQuota(String text) {
    return PlanParser.quota(text);
  }

  /**
   * A builder of plans from structured configuration.
   *
   * @param plansSetting how the configuration names its plans in messages, e.g. {@code apibilling.plans}
   */
  public static Builder builder(String plansSetting) {
    return new Builder(plansSetting);
  }

  /**
   * These plans, if at least one client has quotas (a default plan, or a listed client).
   *
   * @throws SettingException naming {@value #PLANS} if no plan is defined, or {@value #DEFAULT_PLAN} if no
   *     client would have quotas
   */
  public QuotaPlans requireSomeClient() {
    if (plans.isEmpty()) {
      throw SettingException.described(PLANS, "at least one plan must be defined", null);
    }
    if (defaultPlan == null && clients.isEmpty()) {
      throw SettingException.described(DEFAULT_PLAN,
          "no client would have quotas: name a default plan or assign plans to clients", null);
    }
    return this;
  }

  /** The plans by name, in definition order. */
  public Map<String, List<QuotaDefinition>> plans() {
    return plans;
  }

  /** The plan of clients not listed in {@link #clients()}, if any. */
  public Optional<String> defaultPlan() {
    return Optional.ofNullable(defaultPlan);
  }

  /** The plan of each listed client. */
  public Map<String, String> clients() {
    return clients;
  }

  /** Sets the default plan's quotas, if there is one, as {@code builder}'s default quotas. */
  public ApiBilling.Builder configure(ApiBilling.Builder builder) {
    if (defaultPlan != null) {
      builder.defaultQuotas(plans.get(defaultPlan));
    }
    return builder;
  }

  /** Sets each listed client's plan in {@code billing} with {@link ApiBilling#updateClientQuotas}. */
  public ApiBilling assign(ApiBilling billing) {
    for (Map.Entry<String, String> c : clients.entrySet()) {
      billing.updateClientQuotas(c.getKey(), plans.get(c.getValue()));
    }
    return billing;
  }

  /** Builds a billing with these quotas: {@link #configure}, build, then {@link #assign}. */
  public ApiBilling build(ApiBilling.Builder builder) {
    return assign(configure(builder).build());
  }

  /** {@code e} as an error of {@code setting}, its message kept. */
  private static SettingException error(String setting, IllegalArgumentException e) {
    return e instanceof SettingException s && s.setting().equals(setting) ? s
        : SettingException.described(setting, String.valueOf(e.getMessage()), e);
  }

  @Override
  public String toString() {
    return "QuotaPlans{plans=" + plans.keySet() + ", default=" + defaultPlan + ", clients=" + clients.size() + '}';
  }

  /** Plans, clients and the default plan from structured configuration. Not thread safe. */
  public static final class Builder {
    private final String plansSetting;
    private final Map<String, List<QuotaDefinition>> plans = new LinkedHashMap<>();
    private final Map<String, String> clients = new LinkedHashMap<>();
    private final Map<String, String> clientSettings = new LinkedHashMap<>();
    private @Nullable String defaultPlan;
    private String defaultPlanSetting = "default plan";

    private Builder(String plansSetting) {
      this.plansSetting = Objects.requireNonNull(plansSetting, "plansSetting");
    }

    /**
     * A plan whose quotas are written in one line.
     *
     * @throws IllegalArgumentException if the name or a quota is malformed, or the plan is defined twice
     */
    public Builder plan(String name, String quotas) {
      String n = planName(name);
      try {
        return plan(n, PlanParser.quotas(quotas));
      } catch (IllegalArgumentException e) {
        throw e.getMessage() != null && e.getMessage().startsWith("plan '" + n + "'") ? error(PLANS, e)
            : SettingException.described(PLANS, "plan '" + n + "': " + e.getMessage(), e);
      }
    }

    /**
     * A plan of quotas already read (one line each, or {@link QuotaFields}).
     *
     * @throws IllegalArgumentException if the name is malformed, there is no quota, two share a policy
     *     name, or the plan is defined twice
     */
    public Builder plan(String name, List<QuotaDefinition> quotas) {
      String n = planName(name);
      List<QuotaDefinition> checked;
      try {
        checked = quotas.isEmpty() ? List.of() : Requirements.quotas(quotas);
      } catch (IllegalArgumentException e) {
        throw SettingException.described(PLANS, "plan '" + n + "': " + e.getMessage(), e);
      }
      if (checked.isEmpty()) {
        throw SettingException.described(PLANS, "plan '" + n + "': a plan must have at least one quota", null);
      }
      if (plans.putIfAbsent(n, checked) != null) {
        throw SettingException.described(PLANS, "plan '" + n + "' is defined twice", null);
      }
      return this;
    }

    /**
     * Puts a client on a plan (checked when built, so plans may come after clients).
     *
     * @param setting how the configuration names this client's plan in messages, e.g.
     *     {@code apibilling.clients.acme.plan}
     * @throws IllegalArgumentException if the client id is invalid or the client is listed twice
     */
    public Builder client(String clientId, @Nullable String plan, String setting) {
      try {
        Requirements.clientId(clientId);
      } catch (IllegalArgumentException e) {
        throw SettingException.described(CLIENTS, setting + ": " + e.getMessage(), e);
      }
      if (clients.containsKey(clientId)) {
        throw SettingException.described(CLIENTS, "client '" + clientId + "' is assigned a plan twice", null);
      }
      clients.put(clientId, plan == null ? "" : plan.trim());
      clientSettings.put(clientId, setting);
      return this;
    }

    /**
     * The plan of clients not listed; null or blank for none (they are unknown).
     *
     * @param setting how the configuration names the default plan in messages
     */
    public Builder defaultPlan(@Nullable String plan, String setting) {
      this.defaultPlan = PlanParser.blankToNull(plan);
      this.defaultPlanSetting = Objects.requireNonNull(setting, "setting");
      return this;
    }

    /**
     * The plans.
     *
     * @throws IllegalArgumentException if a client or the default plan names a plan that is not defined
     */
    public QuotaPlans build() {
      return new QuotaPlans(this);
    }

    private static String planName(String name) {
      try {
        return Requirements.planName(name.trim());
      } catch (IllegalArgumentException e) {
        throw error(PLANS, e);
      }
    }
  }
}
