package dev.apibilling.spring.boot;

import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ForwardingUsageStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts the settle calls requests made to a store and lets a test wait for them: the server settles after
 * the handler, which may be just after the client has the whole response. Settle calls of the billing's
 * background retries (after a store failure) are not counted. Counted per client, so a settlement a
 * previous test's request makes late is never taken for the one a test waits for.
 */
final class Settles {

  private final Map<String, Long> counts = new HashMap<>();

  /** A store that forwards to {@code delegate} and counts its settle calls here. */
  UsageStore counting(UsageStore delegate) {
    return new ForwardingUsageStore() {
      @Override
      protected UsageStore delegate() {
        return delegate;
      }

      @Override
      public boolean settle(SettleRequest request) {
        try {
          return super.settle(request);
        } finally {
          if (!Thread.currentThread().getName().equals("apibilling-settlements")) {
            finished(request.clientId());
          }
        }
      }
    };
  }

  private synchronized void finished(String client) {
    counts.merge(client, 1L, Long::sum);
    notifyAll();
  }

  /** Settle calls of the client's reservations finished so far. */
  synchronized long count(String client) {
    return counts.getOrDefault(client, 0L);
  }

  /**
   * Waits, at most {@code timeout}, until at least {@code expected} settle calls of the client's
   * reservations have finished, and returns how many have.
   */
  synchronized long await(String client, long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left = timeout.toMillis();
    while (count(client) < expected && left > 0) {
      wait(left);
      left = (deadline - System.nanoTime()) / 1_000_000;
    }
    return count(client);
  }
}
