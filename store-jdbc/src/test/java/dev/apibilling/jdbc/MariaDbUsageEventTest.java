package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The usage-event contract on the machine's MariaDB (stored procedures). */
final class MariaDbUsageEventTest extends UsageEventContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
