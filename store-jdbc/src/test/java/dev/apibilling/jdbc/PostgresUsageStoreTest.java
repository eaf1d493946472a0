package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on the machine's PostgreSQL: every store object has its own pool. */
final class PostgresUsageStoreTest extends UsageStoreContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }

  @Override
  protected void dropExpired(Instant now) {
    ((JdbcUsageStore) store).purgeExpired(now);
  }
}
