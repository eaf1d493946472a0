package dev.apibilling.jdbc;

import java.sql.SQLTimeoutException;

/** When one store call must have finished; every statement of the call gets what time is left. */
final class Deadline {

  private final long endNanos;
  private final long timeoutMillis;

  private Deadline(long endNanos, long timeoutMillis) {
    this.endNanos = endNanos;
    this.timeoutMillis = timeoutMillis;
  }

  static Deadline in(long timeoutMillis) {
    return new Deadline(System.nanoTime() + timeoutMillis * 1_000_000L, timeoutMillis);
  }

  boolean expired() {
    return System.nanoTime() - endNanos >= 0;
  }

  /**
   * The query timeout for the next statement, whole seconds rounded up, at least 1.
   *
   * @throws SQLTimeoutException if the deadline has passed
   */
  int seconds() throws SQLTimeoutException {
    long left = endNanos - System.nanoTime();
    if (left <= 0) {
      throw new SQLTimeoutException("the call took longer than its timeout of " + timeoutMillis + " ms");
    }
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999_999L) / 1_000_000_000L));
  }
}
