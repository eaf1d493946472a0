package dev.apibilling;

import java.util.List;
import java.util.Optional;

/**
 * Looks up the quotas of a client that was not given any with {@link ApiBilling#updateClientQuotas}, for
 * plans kept in the application's own database. {@link ApiBilling} caches the answers (known and
 * unknown) for {@link ApiBilling.Builder#quotaSourceCacheTtl}.
 */
@FunctionalInterface
public interface QuotaDefinitionSource {

  /** The client's quotas, or empty if it is not a client. Must be thread safe. */
  Optional<List<QuotaDefinition>> quotasOf(String clientId);
}
