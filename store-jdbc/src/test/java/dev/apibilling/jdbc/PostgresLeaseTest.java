package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.LeaseContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leased budgets on the machine's PostgreSQL: every instance has its own pool. */
final class PostgresLeaseTest extends LeaseContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
