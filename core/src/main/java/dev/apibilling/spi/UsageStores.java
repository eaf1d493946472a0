package dev.apibilling.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens stores by URL: any URL a {@link UsageStoreProvider} on the class path supports, {@code memory}
 * among them (core registers the in-memory store's provider like the store modules register theirs).
 */
public final class UsageStores {

  private UsageStores() {}

  /**
   * Opens the store {@code url} names: {@code memory} (or {@code memory:}) for a new in-memory store,
   * {@code redis://...} with {@code apibilling-store-redis}, {@code jdbc:...} with
   * {@code apibilling-store-jdbc} on the class path.
   *
   * @throws IllegalArgumentException if no provider supports the URL or it is malformed
   * @throws UsageStoreException if the backend cannot be reached
   */
  public static UsageStore open(String url) {
    String trimmed = url.trim();
    List<String> known = new ArrayList<>();
    for (UsageStoreProvider p : ServiceLoader.load(UsageStoreProvider.class, UsageStores.class.getClassLoader())) {
      if (p.supports(trimmed)) {
        return p.open(trimmed);
      }
      known.add(p.getClass().getName());
    }
    String scheme = trimmed.contains(":") ? trimmed.substring(0, trimmed.indexOf(':') + 1) : trimmed;
    throw new IllegalArgumentException("no usage store supports '" + scheme + "' URLs; use 'memory', "
        + "'redis://' (apibilling-store-redis) or 'jdbc:' (apibilling-store-jdbc) with the module on the "
        + "class path (providers found: " + known + ")");
  }

  /**
   * The store URL fit for a log line: without user info ({@code user:password@}) and without parameters
   * ({@code ?...} or {@code ;...}), which may carry credentials.
   */
  public static String redacted(String url) {
    String shown = url;
    int at = shown.indexOf('@');
    int scheme = shown.indexOf("//");
    if (at > 0 && scheme >= 0 && at > scheme) {
      shown = shown.substring(0, scheme + 2) + shown.substring(at + 1);
    }
    int cut = shown.length();
    for (char c : new char[] {'?', ';'}) {
      int i = shown.indexOf(c);
      if (i >= 0) {
        cut = Math.min(cut, i);
      }
    }
    return shown.substring(0, cut);
  }
}
