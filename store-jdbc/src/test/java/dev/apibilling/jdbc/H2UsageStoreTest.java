package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageStoreContract;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract on an embedded in-memory H2 database (always runs): every store object has its own pool. */
final class H2UsageStoreTest extends UsageStoreContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onH2();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }

  @Override
  protected void dropExpired(Instant now) {
    ((JdbcUsageStore) store).purgeExpired(now);
  }
}
