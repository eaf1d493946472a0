package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The usage-event contract on the machine's PostgreSQL: every store object has its own pool. */
final class PostgresUsageEventTest extends UsageEventContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
