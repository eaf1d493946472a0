package dev.apibilling.jdbc;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.tck.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Table prefixes are validated strictly; the schema is created if missing, idempotently, or reported missing. */
final class SchemaTest {

  private final MutableClock clock = MutableClock.at("2026-03-10T10:15:30Z");

  @Test
  void tablePrefixOutsideTheStrictPatternIsRejectedWithAClearMessage() {
    JdbcUsageStore.Builder builder = JdbcUsageStore.builder(Databases.h2Url());
    for (String bad : List.of("x; drop table", "apibilling_; DROP TABLE users; --", "", "Apibilling_", "1abc",
        "a-b", "a b", "\u00e4", "a".repeat(31), "a\"b")) {
      assertThatThrownBy(() -> builder.tablePrefix(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tablePrefix must match [a-z][a-z0-9_]{0,29}")
          .hasMessageContaining("but was '" + bad + "'");
      assertThatThrownBy(() -> JdbcUsageStore.schemaSql(JdbcDialect.H2, bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    for (String good : List.of("a", "apibilling_", "billing2_", "a".repeat(30))) {
      assertThat(builder.tablePrefix(good)).isSameAs(builder);
    }
  }

  @Test
  void missingSchemaIsReportedWhenNotCreated() {
    assertThatThrownBy(() -> JdbcUsageStore.builder(Databases.h2Url()).tablePrefix(Databases.uniquePrefix()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dev/apibilling/jdbc/h2.sql")
        .hasMessageContaining("createSchema(true)");
  }

  @Test
  void missingPostgresFunctionsAreReported() {
    missingRoutinesAreReported(Databases.postgres(), "DROP FUNCTION %scharge");
  }

  @Test
  void missingMariaDbProceduresAreReported() {
    missingRoutinesAreReported(Databases.mariadb(), "DROP PROCEDURE %scharge");
  }

  private static void missingRoutinesAreReported(String url, String drop) {
    try (TestTables tables = TestTables.on(url)) {
      tables.open().close();
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute(String.format(drop, tables.prefix()));
      } catch (SQLException e) {
        throw new AssertionError(e);
      }
      assertThatThrownBy(() -> tables.builder().poolSize(1).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("createSchema(true)");
    }
  }

  @Test
  void droppingThePostgresSchemaLeavesNothingOfItsPrefix() throws SQLException {
    leavesNothingOfItsPrefix(Databases.postgres(),
        "SELECT (SELECT count(*) FROM pg_proc WHERE left(proname, length(?)) = ?)"
            + " + (SELECT count(*) FROM pg_class WHERE left(relname, length(?)) = ?)");
  }

  @Test
  void droppingTheMariaDbSchemaLeavesNothingOfItsPrefix() throws SQLException {
    leavesNothingOfItsPrefix(Databases.mariadb(),
        "SELECT (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
            + " AND LEFT(ROUTINE_NAME, CHAR_LENGTH(?)) = ?) + (SELECT COUNT(*) FROM information_schema.TABLES"
            + " WHERE TABLE_SCHEMA = DATABASE() AND LEFT(TABLE_NAME, CHAR_LENGTH(?)) = ?)");
  }

  /** The tables, indexes, functions and procedures of a prefix, counted by {@code count} (the prefix 4 times). */
  private static void leavesNothingOfItsPrefix(String url, String count) throws SQLException {
    try (TestTables tables = TestTables.on(url)) {
      tables.open().close();
      assertThat(objects(url, count, tables.prefix())).as("the schema's objects").isGreaterThan(10);
      try (JdbcUsageStore store = tables.open()) {
        store.dropSchema();
      }
      assertThat(objects(url, count, tables.prefix())).isZero();
    }
  }

  private static long objects(String url, String count, String prefix) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); java.sql.PreparedStatement ps = c.prepareStatement(count)) {
      for (int i = 1; i <= 4; i++) {
        ps.setString(i, prefix);
      }
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void creatingTheH2SchemaTwiceIsFine() {
    createsSchemaIdempotently(Databases.h2Url());
  }

  @Test
  void creatingThePostgresSchemaTwiceIsFine() {
    createsSchemaIdempotently(Databases.postgres());
  }

  @Test
  void creatingTheMariaDbSchemaTwiceIsFine() {
    createsSchemaIdempotently(Databases.mariadb());
  }

  @Test
  void shippedScriptsCarryThePrefixAndSplitIntoStatements() {
    for (JdbcDialect dialect : JdbcDialect.values()) {
      String sql = JdbcUsageStore.schemaSql(dialect, "acme_");
      assertThat(sql).doesNotContain("${prefix}").contains("CREATE TABLE IF NOT EXISTS acme_windows")
          .contains("acme_daily").contains("acme_idempotency").contains("acme_reservations");
      List<String> statements = new Schema("acme_").statements(dialect);
      assertThat(statements).isNotEmpty().allSatisfy(s -> assertThat(s).doesNotEndWith(";")
          .satisfiesAnyOf(t -> assertThat(t).startsWith("CREATE"), t -> assertThat(t).startsWith("DROP FUNCTION IF EXISTS"),
              t -> assertThat(t).startsWith("DO $$").contains("ADD COLUMN IF NOT EXISTS"),
              t -> assertThat(t).startsWith("BEGIN NOT ATOMIC").contains("ADD COLUMN IF NOT EXISTS"),
              t -> assertThat(t).startsWith("ALTER TABLE acme_reservations ADD COLUMN IF NOT EXISTS"),
              t -> assertThat(t).containsPattern("^(SET @acme_upgrade|(PREPARE|EXECUTE|DEALLOCATE PREPARE) acme_upgrade)")));
    }
    // the PL/pgSQL bodies stay whole: one statement per function, and one upgrade block per table upgraded
    assertThat(new Schema("acme_").statements(JdbcDialect.POSTGRESQL))
        .filteredOn(s -> s.startsWith("CREATE OR REPLACE FUNCTION")).hasSize(16);
    assertThat(new Schema("acme_").statements(JdbcDialect.POSTGRESQL))
        .filteredOn(s -> s.startsWith("DO $$")).hasSize(3).allSatisfy(s -> assertThat(s).endsWith("$$"));
    // functions whose parameters changed drop their old signature first, so an upgrade leaves no overload
    assertThat(new Schema("acme_").statements(JdbcDialect.POSTGRESQL))
        .filteredOn(s -> s.startsWith("DROP FUNCTION IF EXISTS")).hasSize(5);
    // so do MariaDB's procedures, written with the client's DELIMITER lines
    assertThat(new Schema("acme_").statements(JdbcDialect.MARIADB))
        .filteredOn(s -> s.startsWith("CREATE OR REPLACE PROCEDURE")).hasSize(11)
        .allSatisfy(s -> assertThat(s).endsWith("END").doesNotContain("DELIMITER"));
    assertThat(new Schema("acme_").statements(JdbcDialect.MARIADB))
        .filteredOn(s -> s.startsWith("BEGIN NOT ATOMIC")).hasSize(3).allSatisfy(s -> assertThat(s).endsWith("END"));
  }

  @Test
  void dialectIsDetectedFromTheDataSource() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(Databases.h2Url());
    try (HikariDataSource ds = new HikariDataSource(config)) {
      try (JdbcUsageStore store = JdbcUsageStore.builder(ds).tablePrefix(Databases.uniquePrefix()).createSchema(true).build()) {
        assertThat(store.dialect()).isEqualTo(JdbcDialect.H2);
      }
      assertThat(ds.isClosed()).as("a DataSource the store was given stays open").isFalse();
    }
  }

  @Test
  void unsupportedDatabaseProductIsRejected() {
    assertThat(JdbcDialect.ofProduct("PostgreSQL")).isEqualTo(JdbcDialect.POSTGRESQL);
    assertThat(JdbcDialect.ofProduct("MariaDB")).isEqualTo(JdbcDialect.MARIADB);
    assertThat(JdbcDialect.ofProduct("MySQL")).isEqualTo(JdbcDialect.MYSQL);
    assertThat(JdbcDialect.ofProduct("H2")).isEqualTo(JdbcDialect.H2);
    assertThatThrownBy(() -> JdbcDialect.ofProduct("Oracle"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Oracle' is not supported");
  }

  private void createsSchemaIdempotently(String url) {
    String client = "schema-" + UUID.randomUUID();
    try (TestTables tables = TestTables.on(url)) {
      try (JdbcUsageStore first = tables.open();
          JdbcUsageStore second = tables.open();
          ApiBilling billing = ApiBilling.builder().store(first).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
        billing.trackClientUsage(client, 3);
        second.createSchema();
        first.createSchema();
        assertThat(billing.trackClientUsage(client, 4).lowest().used()).isEqualTo(7);
      }
      try (JdbcUsageStore existing = tables.builder().poolSize(1).build();
          ApiBilling billing = ApiBilling.builder().store(existing).clock(clock).build()) {
        billing.updateClientQuotas(client, List.of(QuotaDefinition.of(DAY, 10)));
        assertThat(billing.status(client).lowest().used()).isEqualTo(7);
      }
    }
  }
}
