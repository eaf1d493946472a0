package dev.apibilling;

import java.time.Instant;
import java.util.List;

/**
 * Every quota of a client at one instant.
 *
 * @param clientId the client
 * @param at the instant the status was read
 * @param quotas one state per quota, in the order the client's quotas were defined
 */
public record ClientStatus(String clientId, Instant at, List<QuotaState> quotas) {

  public ClientStatus {
    quotas = List.copyOf(quotas);
  }

  /** The quota headers report: fewest credits remaining, ties to the shorter window. */
  public QuotaState lowest() {
    return Quotas.lowest(quotas);
  }
}
