package dev.apibilling.jdbc;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Checks JDBC URLs before a pool is made of them, and keeps passwords out of messages. */
final class Urls {

  private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&;]*");

  private Urls() {}

  /**
   * The URL to open for {@code url}: itself, or for {@code jdbc:mysql:} without MySQL's driver on the
   * class path, the same URL for MariaDB's driver.
   *
   * @throws IllegalArgumentException if no supported dialect or no driver on the class path accepts it
   */
  static String check(String url) {
    String u = url.strip();
    JdbcDialect dialect = JdbcDialect.ofUrl(u);
    if (dialect == null) {
      throw new IllegalArgumentException("JDBC URL '" + masked(u) + "' is not supported; use jdbc:postgresql:,"
          + " jdbc:mariadb:, jdbc:mysql: or jdbc:h2:");
    }
    if (u.toLowerCase(Locale.ROOT).startsWith("jdbc:mysql:") && !accepted(u)) {
      String viaMariaDb = "jdbc:mariadb:" + u.substring("jdbc:mysql:".length());
      if (accepted(viaMariaDb)) {
        return viaMariaDb;
      }
    }
    if (!accepted(u)) {
      throw new IllegalArgumentException("no JDBC driver accepts '" + masked(u) + "': the URL is malformed,"
          + " or the driver (" + driverArtifact(u) + ") is not on the class path");
    }
    return u;
  }

  /** The URL with any {@code password=...} value replaced by {@code ***}. */
  static String masked(String url) {
    return PASSWORD.matcher(url).replaceAll("$1***");
  }

  private static boolean accepted(String url) {
    try {
      return DriverManager.getDriver(url) != null;
    } catch (SQLException e) {
      return false;
    }
  }

  private static String driverArtifact(String url) {
    String u = url.toLowerCase(Locale.ROOT);
    if (u.startsWith("jdbc:postgresql:")) {
      return "org.postgresql:postgresql";
    }
    if (u.startsWith("jdbc:h2:")) {
      return "com.h2database:h2";
    }
    if (u.startsWith("jdbc:mysql:")) {
      return "com.mysql:mysql-connector-j, or org.mariadb.jdbc:mariadb-java-client";
    }
    return "org.mariadb.jdbc:mariadb-java-client";
  }
}
