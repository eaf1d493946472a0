package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on the machine's MariaDB: every store object has its own pool. */
final class MariaDbUsageStoreTest extends UsageStoreContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }

  @Override
  protected void dropExpired(Instant now) {
    ((JdbcUsageStore) store).purgeExpired(now);
  }
}
