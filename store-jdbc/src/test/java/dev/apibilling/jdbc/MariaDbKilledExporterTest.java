package dev.apibilling.jdbc;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code kill -9} of an exporting process on the machine's MariaDB loses no event. */
final class MariaDbKilledExporterTest extends JdbcKilledExporterTests {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  @Override
  protected TestTables tables() {
    return TABLES;
  }
}
