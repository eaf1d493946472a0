package dev.apibilling.redis;

import io.lettuce.core.RedisURI;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A parsed {@code redis://} or {@code rediss://} URL: what Lettuce connects to, plus the store's own
 * {@code keyPrefix} query parameter and the command timeout when the URL sets Lettuce's {@code timeout}.
 */
record RedisUrl(RedisURI uri, @Nullable String keyPrefix, @Nullable Duration timeout) {

  private static final String FORM =
      "redis://[[user]:password@]host[:port][/database][?timeout=2s&keyPrefix=apibilling:] or rediss://...";

  /** Whether the URL has a scheme this store opens. */
  static boolean supports(String url) {
    String lower = url.trim().toLowerCase(Locale.ROOT);
    return lower.startsWith("redis://") || lower.startsWith("rediss://");
  }

  /**
   * Parses a Redis URL.
   *
   * @throws IllegalArgumentException naming the URL (password masked) if it is malformed
   */
  static RedisUrl parse(String url) {
    String trimmed = url.trim();
    if (!supports(trimmed)) {
      throw malformed(trimmed, "the scheme must be redis:// or rediss://");
    }
    URI parsed;
    try {
      parsed = new URI(trimmed);
    } catch (URISyntaxException e) {
      throw malformed(trimmed, e.getReason());
    }
    if (parsed.getHost() == null || parsed.getHost().isEmpty()) {
      throw malformed(trimmed, "it names no host");
    }
    String keyPrefix = null;
    boolean timeoutSet = false;
    String query = parsed.getRawQuery();
    if (query != null) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        if (name.equals("keyPrefix")) {
          keyPrefix = RedisKeys.validPrefix(
              eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        } else if (name.equals("timeout")) {
          timeoutSet = true;
        }
      }
    }
    RedisURI uri;
    try {
      uri = RedisURI.create(trimmed);
    } catch (RuntimeException e) {
      throw malformed(trimmed, e.getMessage());
    }
    return new RedisUrl(uri, keyPrefix, timeoutSet ? uri.getTimeout() : null);
  }

  /** The URL with any user and password replaced by {@code ***}, fit for messages and logs. */
  static String masked(String url) {
    int scheme = url.indexOf("://");
    if (scheme < 0) {
      return url;
    }
    int start = scheme + 3;
    int end = url.indexOf('/', start);
    int at = url.lastIndexOf('@', end < 0 ? url.length() - 1 : end);
    return at < start ? url : url.substring(0, start) + "***" + url.substring(at);
  }

  /** No cause is chained and the reason is masked too: a cause's message could show the password. */
  private static IllegalArgumentException malformed(String url, @Nullable String reason) {
    String shown = masked(url);
    String why = reason == null ? "" : " (" + reason.replace(url, shown) + ")";
    return new IllegalArgumentException(
        "Redis URL must look like " + FORM + " but was '" + shown + "'" + why);
  }
}
