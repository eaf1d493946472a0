package dev.apibilling;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every quota of a client at one instant.
 *
 * @param clientId the client
 * @param at the instant the status was read
 * @param quotas one state per quota, client-wide and per operation, in the order the client's quotas were
 *     defined
 */
public record ClientStatus(String clientId, Instant at, List<QuotaState> quotas) {

  public ClientStatus {
    quotas = List.copyOf(quotas);
  }

  /** The client-wide quotas, which every charge counts against, in definition order. */
  public List<QuotaState> clientWide() {
    return quotas.stream().filter(q -> q.operation() == null).toList();
  }

  /** The quotas of each operation that has some, operations in the order first defined. */
  public Map<String, List<QuotaState>> byOperation() {
    Map<String, List<QuotaState>> grouped = new LinkedHashMap<>();
    for (QuotaState q : quotas) {
      if (q.operation() != null) {
        grouped.computeIfAbsent(q.operation(), k -> new ArrayList<>()).add(q);
      }
    }
    grouped.replaceAll((k, v) -> List.copyOf(v));
    return Collections.unmodifiableMap(grouped);
  }

  /** The quota headers report: fewest credits remaining, ties to the shorter window. */
  public QuotaState lowest() {
    return Quotas.lowest(quotas);
  }
}
