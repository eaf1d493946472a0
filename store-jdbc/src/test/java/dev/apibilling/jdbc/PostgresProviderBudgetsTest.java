package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ProviderBudgetsContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Provider budgets on the machine's PostgreSQL: every instance has its own pool. */
final class PostgresProviderBudgetsTest extends ProviderBudgetsContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
