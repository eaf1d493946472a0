package dev.apibilling.spring.boot;

import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.tck.ForwardingUsageStore;
import java.time.Duration;

/**
 * Counts the settle calls requests made to a store and lets a test wait for them: the server settles after
 * the handler, which may be just after the client has the whole response. Settle calls of the billing's
 * background retries (after a store failure) are not counted.
 */
final class Settles {

  private long count;

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
            finished();
          }
        }
      }
    };
  }

  private synchronized void finished() {
    count++;
    notifyAll();
  }

  /** Settle calls finished so far. */
  synchronized long count() {
    return count;
  }

  /** Waits, at most {@code timeout}, until at least {@code expected} settle calls have finished. */
  synchronized long await(long expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long left = timeout.toMillis();
    while (count < expected && left > 0) {
      wait(left);
      left = (deadline - System.nanoTime()) / 1_000_000;
    }
    return count;
  }
}
