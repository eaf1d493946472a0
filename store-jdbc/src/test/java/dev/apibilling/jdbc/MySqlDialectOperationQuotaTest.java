package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quotas per operation on the MYSQL dialect (plain statements), on the machine's MariaDB: every store object has its own pool. */
final class MySqlDialectOperationQuotaTest extends OperationQuotaContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open(JdbcDialect.MYSQL);
  }
}
