package dev.apibilling.jdbc;

import dev.apibilling.tck.TestServers;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The databases the tests run against, and names unique to one test run; see also {@link TestTables}. */
final class Databases {

  private static final Pattern HOST_PORT = Pattern.compile("//([^/:?;]+)(?::(\\d+))?");

  private Databases() {}

  /** A table prefix no other run uses, e.g. {@code t3f9a0c1d_}. */
  static String uniquePrefix() {
    return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
  }

  /** A fresh in-memory H2 database that lives until the JVM ends, shared by every pool of the URL. */
  static String h2Url() {
    return "jdbc:h2:mem:apibilling-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
  }

  static String postgresUrl() {
    return TestServers.postgresUrl();
  }

  static String mariadbUrl() {
    return TestServers.mariadbUrl();
  }

  /** The PostgreSQL URL, once PostgreSQL answers: skips the test (locally) or fails it (CI) otherwise. */
  static String postgres() {
    TestServers.assumeReachable("PostgreSQL", host(postgresUrl()), port(postgresUrl(), 5432));
    return postgresUrl();
  }

  /** The MariaDB URL, once MariaDB answers: skips the test (locally) or fails it (CI) otherwise. */
  static String mariadb() {
    TestServers.assumeReachable("MariaDB", host(mariadbUrl()), port(mariadbUrl(), 3306));
    return mariadbUrl();
  }

  static String host(String url) {
    Matcher m = HOST_PORT.matcher(url);
    if (!m.find()) {
      throw new IllegalArgumentException("no host in " + url);
    }
    return m.group(1);
  }

  static int port(String url, int fallback) {
    Matcher m = HOST_PORT.matcher(url);
    return m.find() && m.group(2) != null ? Integer.parseInt(m.group(2)) : fallback;
  }

  /** The URL with its host and port replaced, e.g. to go through a {@code TcpProxy}. */
  static String via(String url, String host, int port) {
    return HOST_PORT.matcher(url).replaceFirst("//" + host + ":" + port);
  }

  /** The URL with one more driver parameter. */
  static String withParameter(String url, String name, String value) {
    if (url.toLowerCase(Locale.ROOT).startsWith("jdbc:h2:")) {
      return url + ";" + name + "=" + value;
    }
    return url + (url.contains("?") ? "&" : "?") + name + "=" + value;
  }

  /** Drops the tables of {@code prefix} (best effort: the test's outcome does not depend on it). */
  static void drop(String url, String prefix) {
    try (JdbcUsageStore s = JdbcUsageStore.builder(url).tablePrefix(prefix).createSchema(true).poolSize(1).build()) {
      s.dropSchema();
    } catch (RuntimeException ignored) {
      // the server went away; the tables stay behind under a prefix nobody uses again
    }
  }
}
