package dev.apibilling.servlet;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Maps API keys to client ids, for {@link ClientResolver#apiKey(ApiKeyRegistry)}.
 *
 * <p>Implementations must be thread safe, must not log keys, and must not take time that depends on
 * how much of a presented key matches a stored one. The ready registry ({@link #of}, {@link #parse})
 * keeps only SHA-256 digests of the keys: it finds the candidate by the digest of the presented key and
 * confirms it with {@link java.security.MessageDigest#isEqual}, so timing reveals nothing about stored
 * keys; a key can be given already hashed as {@code sha256:<64 hex digits>} so that plain keys need not
 * be stored at all ({@link #sha256Of} makes that form).
 */
@FunctionalInterface
public interface ApiKeyRegistry {

  /** The client that {@code apiKey} belongs to, or null if it is not a known key. */
  @Nullable String clientOf(String apiKey);

  /**
   * A registry of {@code keysToClients}: keys plain or as {@code sha256:<hex>}, values client ids.
   *
   * @throws IllegalArgumentException if a key is empty, a hash malformed, a client id invalid, or a key
   *     given twice (messages name the client, never the key)
   */
  static ApiKeyRegistry of(Map<String, String> keysToClients) {
    return HashedApiKeyRegistry.of(keysToClients);
  }

  /**
   * A registry from text: entries {@code key = clientId} separated by line breaks or commas, split at
   * the last {@code =} (so keys may contain {@code =}; client ids must not); blank entries and lines
   * starting with {@code #} are skipped.
   *
   * @throws IllegalArgumentException if an entry is malformed (the message gives its number, not its key)
   */
  static ApiKeyRegistry parse(String text) {
    return HashedApiKeyRegistry.parse(text);
  }

  /** The hashed form of {@code apiKey}: {@code sha256:} and 64 lowercase hex digits of its UTF-8 bytes. */
  static String sha256Of(String apiKey) {
    return HashedApiKeyRegistry.PREFIX + HashedApiKeyRegistry.hex(HashedApiKeyRegistry.digest(apiKey));
  }
}
