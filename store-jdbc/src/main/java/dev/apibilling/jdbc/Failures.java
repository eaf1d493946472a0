package dev.apibilling.jdbc;

import dev.apibilling.spi.UsageStoreException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

/** Which database failures are worth retrying, and the store exception every other one becomes. */
final class Failures {

  private Failures() {}

  /**
   * Whether the database rolled the transaction back because of a conflict with another one (a
   * deadlock it broke, a serialization failure, a client row created concurrently): nothing was
   * changed and the call can simply run again.
   */
  static boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        if ("40001".equals(state) || "40P01".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The store exception for a failed call; its message names the operation and the cause. */
  static UsageStoreException wrap(String operation, Exception e, long timeoutMillis) {
    String state = e instanceof SQLException ? ((SQLException) e).getSQLState() : null;
    String what = timedOut(e)
        ? "JDBC usage store could not " + operation + " within its timeout of " + timeoutMillis + " ms"
        : "JDBC usage store could not " + operation;
    return new UsageStoreException(what + ": " + e.getMessage() + (state == null ? "" : " [SQLState " + state + "]"), e);
  }

  private static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTimeoutException || t instanceof SQLTransientConnectionException
          || t instanceof java.net.SocketTimeoutException) {
        return true;
      }
      if (t instanceof SQLException) {
        String state = ((SQLException) t).getSQLState();
        // 57014: PostgreSQL query_canceled (the query timeout); HYT00/HYT01: timeouts of other drivers
        if ("57014".equals(state) || "HYT00".equals(state) || "HYT01".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }
}
