package dev.apibilling.servlet;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** A warning logged at most once per interval of a clock; the reports in between are counted. */
final class RateLimitedLog {

  private final Logger logger;
  private final Clock clock;
  private final long intervalMillis;
  private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger logger, Clock clock, long intervalMillis) {
    this.logger = logger;
    this.clock = clock;
    this.intervalMillis = intervalMillis;
  }

  void warn(String message, @Nullable Throwable cause) {
    long now = clock.millis();
    long next = nextAt.get();
    if (now >= next && nextAt.compareAndSet(next, now + intervalMillis)) {
      long skipped = suppressed.getAndSet(0);
      String text = skipped == 0 ? message
          : message + " (and " + skipped + " more since the last report)";
      if (cause == null) {
        logger.log(Level.WARNING, text);
      } else {
        logger.log(Level.WARNING, text, cause);
      }
    } else {
      suppressed.incrementAndGet();
    }
  }
}
