package dev.apibilling.jdbc;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The fault suite on the machine's PostgreSQL. */
final class PostgresFaultTest extends JdbcFaultContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  PostgresFaultTest() {
    super(TABLES, "PostgreSQL", 5432);
  }
}
