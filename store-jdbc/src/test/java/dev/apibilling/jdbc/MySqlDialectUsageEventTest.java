package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The usage-event contract on the machine's MariaDB in the MySQL dialect (a locking transaction of plain statements). */
final class MySqlDialectUsageEventTest extends UsageEventContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open(JdbcDialect.MYSQL);
  }
}
