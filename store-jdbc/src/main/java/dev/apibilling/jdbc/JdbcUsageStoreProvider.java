package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreProvider;
import java.util.Locale;

/**
 * Opens a {@link JdbcUsageStore} for {@code jdbc:} URLs ({@code jdbc:postgresql:}, {@code jdbc:mariadb:},
 * {@code jdbc:mysql:}, {@code jdbc:h2:}) with {@link JdbcUsageStore#connect}: its own HikariCP pool, the
 * schema created if missing, expired rows purged every 10 minutes. Found by
 * {@link dev.apibilling.spi.UsageStores#open} through {@code META-INF/services}.
 */
public final class JdbcUsageStoreProvider implements UsageStoreProvider {

  /** Called by the {@link java.util.ServiceLoader}. */
  public JdbcUsageStoreProvider() {}

  /** Whether the URL starts with {@code jdbc:}; other sub-protocols are refused by {@link #open} with a clear message. */
  @Override
  public boolean supports(String url) {
    return url.strip().toLowerCase(Locale.ROOT).startsWith("jdbc:");
  }

  @Override
  public UsageStore open(String url) {
    return JdbcUsageStore.connect(url);
  }
}
