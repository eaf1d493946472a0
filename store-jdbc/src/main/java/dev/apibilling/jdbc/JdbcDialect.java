package dev.apibilling.jdbc;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The databases {@link JdbcUsageStore} supports, each with its shipped schema file
 * ({@code dev/apibilling/jdbc/<name>.sql} on the class path) and its way of making a decision atomic.
 */
public enum JdbcDialect {

  /**
   * PostgreSQL 10 or later: every decision is one call of a PL/pgSQL function the schema installs, one
   * statement and one round trip; a plain charge is one conditional upsert per window under the row's lock,
   * and changes of a client's reservations, keys and history are serialized by a transaction-scoped
   * advisory lock.
   */
  POSTGRESQL("postgresql.sql"),

  /**
   * MariaDB 10.3 or later (InnoDB): a decision or a settlement is one {@code CALL} of a stored procedure
   * the schema installs, one round trip; the procedure's transaction locks the client's row first.
   */
  MARIADB("mariadb.sql"),

  /**
   * MySQL 8 or later (InnoDB), which lacks {@code CREATE OR REPLACE PROCEDURE}: a short transaction of
   * several statements from the client that locks the client's row first (not tested against a real
   * MySQL server; MariaDB servers reached by a {@code jdbc:mysql:} URL get {@link #MARIADB}).
   */
  MYSQL("mysql.sql"),

  /** H2 2.x, embedded (memory or file): the same short locking transaction as {@link #MYSQL}. */
  H2("h2.sql");

  private final String schemaFile;

  JdbcDialect(String schemaFile) {
    this.schemaFile = schemaFile;
  }

  /** The class path resource of this dialect's schema, e.g. {@code dev/apibilling/jdbc/postgresql.sql}. */
  public String schemaResource() {
    return "dev/apibilling/jdbc/" + schemaFile;
  }

  /**
   * The dialect a JDBC URL's sub-protocol names, or null if none is supported; {@code jdbc:mysql:} says
   * {@link #MYSQL} though the server may be a MariaDB one (the connection's metadata tells).
   */
  static @Nullable JdbcDialect ofUrl(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (u.startsWith("jdbc:mariadb:")) {
      return MARIADB;
    }
    if (u.startsWith("jdbc:mysql:")) {
      return MYSQL;
    }
    if (u.startsWith("jdbc:h2:")) {
      return H2;
    }
    return null;
  }

  /**
   * The dialect of a database product name as JDBC metadata reports it.
   *
   * @throws IllegalArgumentException if the product is not supported
   */
  static JdbcDialect ofProduct(String productName) {
    String p = productName.toLowerCase(Locale.ROOT);
    if (p.contains("postgresql")) {
      return POSTGRESQL;
    }
    if (p.contains("mariadb")) {
      return MARIADB;
    }
    if (p.contains("mysql")) {
      return MYSQL;
    }
    if (p.equals("h2")) {
      return H2;
    }
    throw new IllegalArgumentException("database '" + productName + "' is not supported; supported are "
        + "PostgreSQL, MariaDB, MySQL and H2 (or set the dialect explicitly)");
  }
}
