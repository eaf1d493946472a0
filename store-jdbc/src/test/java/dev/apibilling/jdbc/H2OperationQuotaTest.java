package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.OperationQuotaContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Quotas per operation on an embedded in-memory H2 database: every store object has its own pool. */
final class H2OperationQuotaTest extends OperationQuotaContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onH2();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
