package dev.apibilling;

import org.jspecify.annotations.Nullable;

/**
 * One quota as structured configuration holds it (a JSON object, Spring properties): the parts of
 * {@code duration:limit [anchor=ANCHOR] [zone=ZONE] [name=POLICY] [operation=NAME]} as text, checked by
 * the quota language's one parser ({@link QuotaPlans}).
 *
 * @param duration second, minute, hour, day, week, month or year (any case); required
 * @param limit a whole number {@code >= 0} ({@code _} allowed between digits) or {@code unlimited};
 *     required unless {@code unlimited}
 * @param unlimited whether the quota never blocks (then {@code limit} must be null)
 * @param policy the policy name, or null for the duration's name
 * @param anchor the date, local date-time or instant windows count from
 *     ({@link QuotaDefinition#anchoredAt(String)}), or null for the default anchor
 * @param zone the zone id, or null for UTC
 * @param operation the operation the quota is for, or null for a client-wide quota
 */
public record QuotaFields(@Nullable String duration, @Nullable String limit, boolean unlimited,
    @Nullable String policy, @Nullable String anchor, @Nullable String zone, @Nullable String operation) {

  /**
   * The quota these parts describe.
   *
   * @param where names the quota in messages, e.g. {@code quota 0 of plan 'free'}
   * @throws IllegalArgumentException if a part is missing or malformed; the message names {@code where}
   */
  public QuotaDefinition toDefinition(String where) {
    return PlanParser.quota(this, where);
  }
}
