package dev.apibilling.servlet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaFields;
import dev.apibilling.QuotaPlans;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Binds a quota JSON document to the quota language ({@link QuotaPlans}): {@code {"plans": {"free":
 * "day:500, month:10000", "pro": [{"duration": "day", "limit": 5000}, {"duration": "month", "limit":
 * "unlimited", "anchor": "2026-01-31", "zone": "UTC", "name": "monthly"}, {"duration": "day",
 * "limit": 50, "operation": "send_email"}]}, "defaultPlan": "free",
 * "clients": {"acme": "pro"}}}. Only the JSON's shape is checked here; every rule of quotas and plans is
 * the language's.
 */
final class QuotaJson {

  private static final Set<String> ROOT = Set.of("plans", "defaultPlan", "clients");
  private static final Set<String> QUOTA = Set.of("duration", "limit", "anchor", "zone", "name", "operation");

  private QuotaJson() {}

  /**
   * Plans and clients from a JSON document; at least one client has quotas.
   *
   * @throws IllegalArgumentException if it is not valid JSON of that shape or anything is malformed
   */
  static QuotaPlans read(String json) {
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
    checkFields(root, ROOT, "quota JSON");
    JsonNode plansNode = root.path("plans");
    if (!plansNode.isObject()) {
      throw new IllegalArgumentException("quota JSON must have an object 'plans'");
    }
    QuotaPlans.Builder plans = QuotaPlans.builder("plans");
    for (Map.Entry<String, JsonNode> plan : plansNode.properties()) {
      String name = plan.getKey();
      JsonNode quotas = plan.getValue();
      if (quotas.isTextual()) {
        plans.plan(name, quotas.asText());
      } else if (quotas.isArray()) {
        List<QuotaDefinition> list = new ArrayList<>();
        int i = 0;
        for (JsonNode q : quotas) {
          list.add(quota(q, "quota " + i++ + " of plan '" + name + "'"));
        }
        plans.plan(name, list);
      } else {
        throw new IllegalArgumentException(
            "plan '" + name + "' must be a quota string or an array of quota objects");
      }
    }
    JsonNode clientsNode = root.path("clients");
    if (!clientsNode.isMissingNode()) {
      if (!clientsNode.isObject()) {
        throw new IllegalArgumentException("quota JSON 'clients' must be an object of clientId: plan");
      }
      for (Map.Entry<String, JsonNode> c : clientsNode.properties()) {
        if (!c.getValue().isTextual()) {
          throw new IllegalArgumentException("client '" + c.getKey() + "' must name a plan as a string");
        }
        plans.client(c.getKey(), c.getValue().asText(), "clients." + c.getKey());
      }
    }
    JsonNode def = root.path("defaultPlan");
    if (!def.isMissingNode() && !def.isNull() && !def.isTextual()) {
      throw new IllegalArgumentException("quota JSON 'defaultPlan' must be a plan name");
    }
    return plans.defaultPlan(def.isTextual() ? def.asText() : null, "defaultPlan").build().requireSomeClient();
  }

  private static QuotaDefinition quota(JsonNode q, String what) {
    if (!q.isObject()) {
      throw new IllegalArgumentException(what + " must be an object with 'duration' and 'limit'");
    }
    checkFields(q, QUOTA, what);
    JsonNode d = q.path("duration");
    JsonNode l = q.path("limit");
    if (!d.isTextual() || l.isMissingNode()) {
      throw new IllegalArgumentException(what + " must have a string 'duration' and a 'limit'");
    }
    if (!l.isTextual() && !l.isNumber()) {
      throw new IllegalArgumentException(what + " 'limit' must be a whole number or \"unlimited\" but was " + l);
    }
    return new QuotaFields(d.asText(), l.asText(), false, text(q, "name", what), text(q, "anchor", what),
        text(q, "zone", what), text(q, "operation", what)).toDefinition(what);
  }

  private static @Nullable String text(JsonNode q, String field, String what) {
    JsonNode n = q.get(field);
    if (n == null) {
      return null;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(what + " '" + field + "' must be a string");
    }
    return n.asText();
  }

  private static void checkFields(JsonNode node, Set<String> allowed, String what) {
    for (Map.Entry<String, JsonNode> member : node.properties()) {
      if (!allowed.contains(member.getKey())) {
        throw new IllegalArgumentException(
            what + " has the unknown member '" + member.getKey() + "'; allowed: " + new TreeSet<>(allowed));
      }
    }
  }
}
