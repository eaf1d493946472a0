package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.UsageEventContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The usage-event contract on an embedded in-memory H2 database. */
final class H2UsageEventTest extends UsageEventContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onH2();

  @Override
  protected UsageStore newStore() {
    return TABLES.open();
  }
}
