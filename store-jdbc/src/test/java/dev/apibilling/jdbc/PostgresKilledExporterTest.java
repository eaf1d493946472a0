package dev.apibilling.jdbc;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code kill -9} of an exporting process on the machine's PostgreSQL loses no event. */
final class PostgresKilledExporterTest extends JdbcKilledExporterTests {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onPostgres();

  @Override
  protected TestTables tables() {
    return TABLES;
  }
}
