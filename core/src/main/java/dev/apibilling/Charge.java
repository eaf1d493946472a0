package dev.apibilling;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request for credits with its options: an idempotency key and metadata. Immutable; validated on
 * creation.
 *
 * <pre>{@code
 * billing.tryCharge(Charge.of("acme", 5).idempotencyKey(requestId).with("route", "POST /reports"));
 * billing.reserve(Charge.of("acme", 1).operation("send_email"));   // also counts against send_email's quotas
 * }</pre>
 *
 * @param clientId the client to charge
 * @param credits credits asked for, {@code 1 <= credits <= Requirements.MAX_CREDITS}
 * @param idempotencyKey when not null, a retry with the same key is granted once and charged once
 * @param metadata labels passed to the store and to listeners (route, workflow id, origin)
 * @param operation when not null, the operation charged: the charge counts against the client-wide
 *     quotas and that operation's quotas ({@link QuotaDefinition#operation()}), all or nothing; an
 *     operation without quotas of its own counts against the client-wide ones only
 */
public record Charge(
    String clientId, long credits, @Nullable String idempotencyKey, Map<String, String> metadata,
    @Nullable String operation) {

  /** @throws IllegalArgumentException if an argument is invalid (see {@link Requirements}) */
  public Charge {
    Requirements.clientId(clientId);
    Requirements.credits(credits);
    if (idempotencyKey != null) {
      Requirements.idempotencyKey(idempotencyKey);
    }
    metadata = Requirements.metadata(metadata);
    if (operation != null) {
      Requirements.operation(operation);
    }
  }

  /** A charge of no particular operation. */
  public Charge(String clientId, long credits, @Nullable String idempotencyKey, Map<String, String> metadata) {
    this(clientId, credits, idempotencyKey, metadata, null);
  }

  /** {@code credits} for {@code clientId}, no key, no metadata. */
  public static Charge of(String clientId, long credits) {
    return new Charge(clientId, credits, null, Map.of());
  }

  /** This charge with an idempotency key. */
  public Charge idempotencyKey(@Nullable String key) {
    return new Charge(clientId, credits, key, metadata, operation);
  }

  /** This charge with one more metadata entry. */
  public Charge with(String key, String value) {
    Map<String, String> m = new HashMap<>(metadata);
    m.put(key, value);
    return new Charge(clientId, credits, idempotencyKey, m, operation);
  }

  /**
   * This charge of {@code operation} (null: none).
   *
   * @throws IllegalArgumentException if the name is not 1 to 64 of {@code A-Z a-z 0-9 _ . -}
   */
  public Charge operation(@Nullable String operation) {
    return new Charge(clientId, credits, idempotencyKey, metadata, operation);
  }
}
