package dev.apibilling.jdbc;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fault suite for the {@link JdbcDialect#MYSQL} dialect (several statements a call) on the machine's
 * MariaDB: a call of several statements ends at the one deadline too.
 */
final class MySqlDialectFaultTest extends JdbcFaultContract {

  @RegisterExtension
  static final TestTables TABLES = TestTables.onMariaDb();

  MySqlDialectFaultTest() {
    super(TABLES, "MySQL dialect", 3306, JdbcDialect.MYSQL);
  }
}
