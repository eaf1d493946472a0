package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quotas per operation on the machine's PostgreSQL: every store object has its own pool. */
final class PostgresOperationQuotaTest extends OperationQuotaContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
