package dev.apibilling.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.util.concurrent.Executor;

/** When one store call must have finished; every statement of the call gets what time is left. */
final class Deadline {

  private static final Executor DIRECT = Runnable::run;

  private final long endNanos;
  private final long timeoutMillis;
  private boolean bounded;

  private Deadline(long endNanos, long timeoutMillis) {
    this.endNanos = endNanos;
    this.timeoutMillis = timeoutMillis;
  }

  static Deadline in(long timeoutMillis) {
    return new Deadline(System.nanoTime() + timeoutMillis * 1_000_000L, timeoutMillis);
  }

  boolean expired() {
    return nanosLeft() <= 0;
  }

  /** What is left of the time, in nanoseconds (negative once passed). */
  long nanosLeft() {
    return endNanos - System.nanoTime();
  }

  /** Whether this deadline passes before {@code other}. */
  boolean before(Deadline other) {
    return endNanos - other.endNanos < 0;
  }

  /**
   * Makes every read of {@code c} give up when the deadline passes: the driver's socket timeout, set to
   * what is left (no round trip). A link that stops answering then fails the call at the deadline, where
   * a query timeout alone would wait for a cancel request that cannot get through either. The pool
   * restores the connection's own setting when it is returned.
   *
   * @throws SQLTimeoutException if the deadline has passed
   */
  void bound(Connection c) throws SQLException {
    long left = (endNanos - System.nanoTime()) / 1_000_000L;
    if (left <= 0) {
      throw new SQLTimeoutException("the call took longer than its timeout of " + timeoutMillis + " ms");
    }
    c.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, left));
    bounded = true;
  }

  /** Whether the connection of this call is {@link #bound bound} to this deadline. */
  boolean isBound() {
    return bounded;
  }

  /** Shortens the socket timeout of a connection {@link #bound bound} to this deadline to what is left. */
  void rebound(Connection c) throws SQLException {
    if (bounded) {
      bound(c);
    }
  }

  /**
   * The query timeout for the next statement, whole seconds rounded up, at least 1; on a connection
   * {@link #bound bound} to the deadline one second more, so that the socket timeout always ends the
   * call first: a query timeout that fires sends a cancel request over a new connection, and pgjdbc
   * makes the failing call wait for that request (up to {@code cancelSignalTimeout}).
   *
   * @throws SQLTimeoutException if the deadline has passed
   */
  int seconds() throws SQLTimeoutException {
    long left = endNanos - System.nanoTime();
    if (left <= 0) {
      throw new SQLTimeoutException("the call took longer than its timeout of " + timeoutMillis + " ms");
    }
    long seconds = (left + 999_999_999L) / 1_000_000_000L + (bounded ? 1 : 0);
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, seconds));
  }
}
