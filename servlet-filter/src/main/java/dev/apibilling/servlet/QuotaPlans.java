package dev.apibilling.servlet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.Requirements;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Named plans of quotas, the plan each client is on, and the plan of clients not listed: quotas as
 * configuration text rather than code. Immutable.
 *
 * <p>A plan's quotas are written {@code duration:limit [anchor=DATE] [zone=ZONE] [name=POLICY]}, separated
 * by commas: {@code day:500, month:10000 anchor=2026-01-31 zone=Europe/Berlin}. The duration is one of
 * {@code second minute hour day week month year}; the limit a whole number ({@code _} allowed as a digit
 * separator) or {@code unlimited}; {@code anchor} the date ({@code 2026-01-31}), local date-time
 * ({@code 2026-01-31T09:30}) or instant ({@code 2026-01-31T09:30:00Z}, {@code 2026-01-31T09:30+01:00})
 * windows count from, {@code zone} a zone id,
 * {@code name} the policy name (default: the duration's name). Three sources read the same quotas:
 *
 * <ul>
 *   <li>{@link #parse}: {@code plans} as {@code name = quotas} entries separated by {@code ;} or line
 *       breaks, {@code clients} as {@code clientId = plan} entries separated by {@code ,}, {@code ;} or
 *       line breaks;
 *   <li>{@link #fromProperties}: keys {@code plan.NAME = quotas}, {@code client.ID = plan},
 *       {@code default-plan = plan};
 *   <li>{@link #fromJson}: {@code {"plans": {"free": "day:500, month:10000", "pro": [{"duration":
 *       "day", "limit": 5000}, {"duration": "month", "limit": "unlimited", "anchor": "2026-01-31",
 *       "zone": "UTC", "name": "monthly"}]}, "defaultPlan": "free", "clients": {"acme": "pro"}}}.
 * </ul>
 *
 * <p>Every parse error is an {@link IllegalArgumentException} whose message names the entry.
 */
public final class QuotaPlans {

  private static final Pattern PLAN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final Set<String> JSON_ROOT = Set.of("plans", "defaultPlan", "clients");
  private static final Set<String> JSON_QUOTA = Set.of("duration", "limit", "anchor", "zone", "name");

  private final Map<String, List<QuotaDefinition>> plans;
  private final @Nullable String defaultPlan;
  private final Map<String, String> clients;

  private QuotaPlans(Map<String, List<QuotaDefinition>> plans, @Nullable String defaultPlan,
      Map<String, String> clients) {
    if (plans.isEmpty()) {
      throw new IllegalArgumentException("at least one plan must be defined");
    }
    if (defaultPlan != null && !plans.containsKey(defaultPlan)) {
      throw new IllegalArgumentException(
          "default plan '" + defaultPlan + "' is not one of the plans " + plans.keySet());
    }
    for (Map.Entry<String, String> c : clients.entrySet()) {
      if (!plans.containsKey(c.getValue())) {
        throw new IllegalArgumentException("client '" + c.getKey() + "' is on plan '" + c.getValue()
            + "', which is not one of the plans " + plans.keySet());
      }
    }
    if (defaultPlan == null && clients.isEmpty()) {
      throw new IllegalArgumentException(
          "no client would have quotas: name a default plan or assign plans to clients");
    }
    this.plans = Collections.unmodifiableMap(new LinkedHashMap<>(plans));
    this.defaultPlan = defaultPlan;
    this.clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
  }

  /**
   * Plans and clients from text (the filter's {@code plans}, {@code default-plan} and {@code clients}
   * init-params).
   *
   * @param plans {@code name = quotas} entries separated by {@code ;} or line breaks
   * @param defaultPlan the plan of clients not listed, or null: they are unknown
   * @param clients {@code clientId = plan} entries separated by {@code ,}, {@code ;} or line breaks, or null
   * @throws IllegalArgumentException if anything is malformed, a plan is named twice, or a plan referred
   *     to is not defined
   */
  public static QuotaPlans parse(String plans, @Nullable String defaultPlan, @Nullable String clients) {
    Map<String, List<QuotaDefinition>> named = new LinkedHashMap<>();
    for (String entry : plans.split("[;\\r\\n]+")) {
      String e = entry.trim();
      if (e.isEmpty() || e.startsWith("#")) {
        continue;
      }
      int eq = e.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("plan must be 'name = quotas' but was '" + e + "'");
      }
      putPlan(named, e.substring(0, eq).trim(), e.substring(eq + 1));
    }
    Map<String, String> assigned = new LinkedHashMap<>();
    if (clients != null) {
      for (String entry : clients.split("[,;\\r\\n]+")) {
        String e = entry.trim();
        if (e.isEmpty() || e.startsWith("#")) {
          continue;
        }
        int eq = e.lastIndexOf('=');
        if (eq < 0) {
          throw new IllegalArgumentException("client entry must be 'clientId = plan' but was '" + e + "'");
        }
        putClient(assigned, e.substring(0, eq).trim(), e.substring(eq + 1).trim());
      }
    }
    return new QuotaPlans(named, blankToNull(defaultPlan), assigned);
  }

  /**
   * Plans and clients from properties: {@code plan.NAME = quotas}, {@code client.ID = plan},
   * {@code default-plan = plan}; any other key is an error.
   *
   * @throws IllegalArgumentException if anything is malformed
   */
  public static QuotaPlans fromProperties(Properties properties) {
    Map<String, List<QuotaDefinition>> named = new LinkedHashMap<>();
    Map<String, String> assigned = new LinkedHashMap<>();
    String defaultPlan = null;
    for (String key : new java.util.TreeSet<>(properties.stringPropertyNames())) {
      String value = properties.getProperty(key);
      if (key.startsWith("plan.")) {
        putPlan(named, key.substring(5), value);
      } else if (key.startsWith("client.")) {
        putClient(assigned, key.substring(7), value.trim());
      } else if (key.equals("default-plan")) {
        defaultPlan = value.trim();
      } else {
        throw new IllegalArgumentException("quota property '" + key + "' is not one of plan.NAME, "
            + "client.ID, default-plan");
      }
    }
    return new QuotaPlans(named, blankToNull(defaultPlan), assigned);
  }

  /**
   * Plans and clients from a JSON document (see the class description).
   *
   * @throws IllegalArgumentException if it is not valid JSON or anything is malformed
   */
  public static QuotaPlans fromJson(String json) {
    JsonNode root;
    try {
      root = BillingProblem.JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("quota JSON is malformed at line "
          + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": "
          + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("quota JSON must be an object with 'plans' and 'defaultPlan' "
          + "or 'clients'");
    }
    checkFields(root, JSON_ROOT, "quota JSON");
    JsonNode plansNode = root.path("plans");
    if (!plansNode.isObject()) {
      throw new IllegalArgumentException("quota JSON must have an object 'plans'");
    }
    Map<String, List<QuotaDefinition>> named = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> plan : plansNode.properties()) {
      String name = plan.getKey();
      JsonNode quotas = plan.getValue();
      if (quotas.isTextual()) {
        putPlan(named, name, quotas.asText());
      } else if (quotas.isArray()) {
        List<QuotaDefinition> list = new ArrayList<>();
        int i = 0;
        for (JsonNode q : quotas) {
          list.add(jsonQuota(q, "quota " + i++ + " of plan '" + name + "'"));
        }
        putPlan(named, name, list);
      } else {
        throw new IllegalArgumentException(
            "plan '" + name + "' must be a quota string or an array of quota objects");
      }
    }
    Map<String, String> assigned = new LinkedHashMap<>();
    JsonNode clientsNode = root.path("clients");
    if (!clientsNode.isMissingNode()) {
      if (!clientsNode.isObject()) {
        throw new IllegalArgumentException("quota JSON 'clients' must be an object of clientId: plan");
      }
      for (Map.Entry<String, JsonNode> c : clientsNode.properties()) {
        if (!c.getValue().isTextual()) {
          throw new IllegalArgumentException("client '" + c.getKey() + "' must name a plan as a string");
        }
        putClient(assigned, c.getKey(), c.getValue().asText());
      }
    }
    JsonNode def = root.path("defaultPlan");
    if (!def.isMissingNode() && !def.isNull() && !def.isTextual()) {
      throw new IllegalArgumentException("quota JSON 'defaultPlan' must be a plan name");
    }
    return new QuotaPlans(named, def.isTextual() ? blankToNull(def.asText()) : null, assigned);
  }

  /**
   * A plan's quotas: {@code duration:limit [anchor=DATE] [zone=ZONE] [name=POLICY]}, separated by commas.
   *
   * @throws IllegalArgumentException if a quota is malformed or two share a policy name
   */
  public static List<QuotaDefinition> parseQuotas(String text) {
    List<QuotaDefinition> quotas = new ArrayList<>();
    for (String part : text.split(",")) {
      String q = part.trim();
      if (q.isEmpty()) {
        continue;
      }
      quotas.add(parseQuota(q));
    }
    if (quotas.isEmpty()) {
      throw new IllegalArgumentException("quotas must list at least one 'duration:limit' but were '"
          + text.trim() + "'");
    }
    return checkedPlan(quotas);
  }

  private static QuotaDefinition parseQuota(String text) {
    String[] tokens = text.split("\\s+");
    int colon = tokens[0].indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("quota must be 'duration:limit [anchor=DATE] [zone=ZONE] "
          + "[name=POLICY]' but was '" + text + "'");
    }
    QuotaDuration duration = duration(tokens[0].substring(0, colon), text);
    long limit = limit(tokens[0].substring(colon + 1), text);
    String anchor = null;
    ZoneId zone = java.time.ZoneOffset.UTC;
    String name = duration.policyName();
    for (int i = 1; i < tokens.length; i++) {
      String t = tokens[i];
      int eq = t.indexOf('=');
      String key = eq < 0 ? t : t.substring(0, eq);
      String value = eq < 0 ? "" : t.substring(eq + 1);
      switch (key) {
        case "anchor" -> anchor = value;
        case "zone" -> zone = zone(value, text);
        case "name" -> name = policy(value, text);
        default -> throw new IllegalArgumentException("quota option must be anchor=, zone= or name= but was '"
            + t + "' in '" + text + "'");
      }
    }
    return anchored(new QuotaDefinition(name, duration, limit, QuotaDefinition.DEFAULT_ANCHOR, zone), anchor, text);
  }

  private static QuotaDefinition jsonQuota(JsonNode q, String what) {
    if (!q.isObject()) {
      throw new IllegalArgumentException(what + " must be an object with 'duration' and 'limit'");
    }
    checkFields(q, JSON_QUOTA, what);
    JsonNode d = q.path("duration");
    JsonNode l = q.path("limit");
    if (!d.isTextual() || l.isMissingNode()) {
      throw new IllegalArgumentException(what + " must have a string 'duration' and a 'limit'");
    }
    QuotaDuration duration = duration(d.asText(), what);
    long limit;
    if (l.isTextual()) {
      limit = limit(l.asText(), what);
    } else if (l.canConvertToExactIntegral() && l.canConvertToLong()) {
      limit = checkedLimit(l.asLong(), what);
    } else {
      throw new IllegalArgumentException(
          what + " 'limit' must be a whole number or \"unlimited\" but was " + l);
    }
    String anchor = q.has("anchor") ? text(q, "anchor", what) : null;
    ZoneId zone = q.has("zone") ? zone(text(q, "zone", what), what) : java.time.ZoneOffset.UTC;
    String name = q.has("name") ? policy(text(q, "name", what), what) : duration.policyName();
    return anchored(new QuotaDefinition(name, duration, limit, QuotaDefinition.DEFAULT_ANCHOR, zone), anchor, what);
  }

  private static String text(JsonNode q, String field, String what) {
    JsonNode n = q.get(field);
    if (n == null || !n.isTextual()) {
      throw new IllegalArgumentException(what + " '" + field + "' must be a string");
    }
    return n.asText();
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String what) {
    for (Map.Entry<String, JsonNode> member : node.properties()) {
      String f = member.getKey();
      if (!allowed.contains(f)) {
        throw new IllegalArgumentException(
            what + " has the unknown member '" + f + "'; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static QuotaDuration duration(String text, String where) {
    try {
      return QuotaDuration.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("quota duration must be one of second, minute, hour, day, week, "
          + "month, year but was '" + text.trim() + "' in '" + where + "'");
    }
  }

  private static long limit(String text, String where) {
    String t = text.trim();
    if (t.equalsIgnoreCase("unlimited")) {
      return QuotaDefinition.UNLIMITED;
    }
    if (!t.matches("[0-9][0-9_]*")) {
      throw new IllegalArgumentException("quota limit must be a whole number >= 0 or 'unlimited' but was '"
          + t + "' in '" + where + "'");
    }
    try {
      return checkedLimit(Long.parseLong(t.replace("_", "")), where);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("quota limit must be <= " + Requirements.MAX_CREDITS
          + " but was '" + t + "' in '" + where + "'");
    }
  }

  private static long checkedLimit(long limit, String where) {
    try {
      if (limit < 0) {
        throw new IllegalArgumentException("limit must be >= 0 or 'unlimited' but was " + limit);
      }
      return Requirements.limit(limit);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("quota " + e.getMessage() + " in '" + where + "'");
    }
  }

  private static QuotaDefinition anchored(QuotaDefinition quota, @Nullable String anchor, String where) {
    try {
      return anchor == null ? quota : quota.anchoredAt(anchor);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " in '" + where + "'", e);
    }
  }

  private static ZoneId zone(String value, String where) {
    try {
      return ZoneId.of(value);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "quota zone must be a zone id like UTC or Europe/Berlin but was '" + value + "' in '" + where + "'");
    }
  }

  private static String policy(String value, String where) {
    try {
      return Requirements.policy(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("quota " + e.getMessage() + " in '" + where + "'");
    }
  }

  private static void putPlan(Map<String, List<QuotaDefinition>> plans, String name, String quotas) {
    String n = planName(name);
    List<QuotaDefinition> parsed;
    try {
      parsed = parseQuotas(quotas);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("plan '" + n + "': " + e.getMessage(), e);
    }
    putPlan(plans, n, parsed);
  }

  private static void putPlan(Map<String, List<QuotaDefinition>> plans, String name, List<QuotaDefinition> quotas) {
    String n = planName(name);
    List<QuotaDefinition> checked;
    try {
      checked = checkedPlan(quotas);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("plan '" + n + "': " + e.getMessage(), e);
    }
    if (plans.putIfAbsent(n, checked) != null) {
      throw new IllegalArgumentException("plan '" + n + "' is defined twice");
    }
  }

  private static List<QuotaDefinition> checkedPlan(List<QuotaDefinition> quotas) {
    if (quotas.isEmpty()) {
      throw new IllegalArgumentException("a plan must have at least one quota");
    }
    Set<String> names = new java.util.HashSet<>();
    for (QuotaDefinition q : quotas) {
      if (!names.add(q.policy())) {
        throw new IllegalArgumentException("policy names must be unique in a plan but '" + q.policy()
            + "' appears twice (give one a name=)");
      }
    }
    return List.copyOf(quotas);
  }

  private static String planName(String name) {
    String n = name.trim();
    if (!PLAN_NAME.matcher(n).matches()) {
      throw new IllegalArgumentException("plan name must be 1 to 64 of [A-Za-z0-9_.-], starting with a "
          + "letter or digit, but was '" + n + "'");
    }
    return n;
  }

  private static void putClient(Map<String, String> clients, String clientId, String plan) {
    try {
      Requirements.clientId(clientId);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("client entry: " + e.getMessage(), e);
    }
    if (clients.putIfAbsent(clientId, plan) != null) {
      throw new IllegalArgumentException("client '" + clientId + "' is assigned a plan twice");
    }
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  // ---- use ------------------------------------------------------------------------------------

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

  /**
   * Builds a billing with these quotas: the default plan as its default quotas, each listed client's
   * plan set with {@link ApiBilling#updateClientQuotas}.
   */
  public ApiBilling build(ApiBilling.Builder builder) {
    if (defaultPlan != null) {
      builder.defaultQuotas(plans.get(defaultPlan));
    }
    ApiBilling billing = builder.build();
    for (Map.Entry<String, String> c : clients.entrySet()) {
      billing.updateClientQuotas(c.getKey(), plans.get(c.getValue()));
    }
    return billing;
  }

  @Override
  public String toString() {
    return "QuotaPlans{plans=" + plans.keySet() + ", default=" + defaultPlan + ", clients=" + clients.size() + '}';
  }
}
