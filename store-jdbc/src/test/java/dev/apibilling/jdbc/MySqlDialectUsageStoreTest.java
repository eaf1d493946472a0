package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract for the {@link JdbcDialect#MYSQL} dialect (a locking transaction of plain
 * statements, no stored procedures), run on the machine's MariaDB, whose InnoDB speaks the same SQL.
 */
final class MySqlDialectUsageStoreTest extends UsageStoreContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open(JdbcDialect.MYSQL);
  }

  @Override
  protected void dropExpired(Instant now) {
    ((JdbcUsageStore) store).purgeExpired(now);
  }
}
