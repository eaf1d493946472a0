package dev.apibilling.jdbc;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The fault suite on the machine's MariaDB. */
final class MariaDbFaultTest extends JdbcFaultContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  MariaDbFaultTest() {
    super(TABLES, "MariaDB", 3306);
  }
}
