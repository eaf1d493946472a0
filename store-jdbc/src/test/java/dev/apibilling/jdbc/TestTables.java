package dev.apibilling.jdbc;

import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * The tables of one test, or of one test class, on one database: a table prefix no other run uses, stores
 * over it, and its tables dropped at the end. For one test, open it in a try-with-resources with
 * {@link #on(String)}; for a class, register {@link #onPostgres()}, {@link #onMariaDb()} or {@link #onH2()}
 * as a static {@code @RegisterExtension} field: the database is checked before the class (when it does
 * not answer, the class fails in CI and each of its tests skips locally) and the tables are dropped after it.
 */
final class TestTables implements AutoCloseable, BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

  private final Supplier<String> database;
  private final String prefix = Databases.uniquePrefix();
  private @Nullable String url;
  private @Nullable String skipped;

  private TestTables(Supplier<String> database) {
    this.database = database;
  }

  /** Tables on the database at {@code url}, for one test (check first that the server answers). */
  static TestTables on(String url) {
    TestTables tables = new TestTables(() -> url);
    tables.url = url;
    return tables;
  }

  /** A test class's tables on the machine's PostgreSQL. */
  static TestTables onPostgres() {
    return new TestTables(Databases::postgres);
  }

  /** A test class's tables on the machine's MariaDB. */
  static TestTables onMariaDb() {
    return new TestTables(Databases::mariadb);
  }

  /** A test class's tables on a fresh in-memory H2 database of its own. */
  static TestTables onH2() {
    String h2 = Databases.h2Url();
    return new TestTables(() -> h2);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    try {
      url = database.get();
    } catch (TestAbortedException e) {
      skipped = e.getMessage(); // said by each test: surefire does not count a class skipped here
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  String url() {
    if (url == null) {
      throw new IllegalStateException("no database yet: register as a static @RegisterExtension field");
    }
    return url;
  }

  String prefix() {
    return prefix;
  }

  /** A builder over the tables: the URL (an owned pool) and the prefix, nothing else set. */
  JdbcUsageStore.Builder builder() {
    return JdbcUsageStore.builder(url()).tablePrefix(prefix);
  }

  /** A store of its own pool (9 connections, 5 s timeout) over the tables, created if missing. */
  JdbcUsageStore open() {
    return standard().build();
  }

  /** As {@link #open()}, in {@code dialect} (e.g. {@link JdbcDialect#MYSQL} on MariaDB). */
  JdbcUsageStore open(JdbcDialect dialect) {
    return standard().dialect(dialect).build();
  }

  /** Drops the tables (best effort: the test's outcome does not depend on it); nothing if never used. */
  @Override
  public void close() {
    if (url != null) {
      Databases.drop(url, prefix);
    }
  }

  private JdbcUsageStore.Builder standard() {
    return builder().createSchema(true).poolSize(9).timeout(Duration.ofSeconds(5));
  }
}
