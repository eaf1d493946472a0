package dev.apibilling.memory;

import org.jspecify.annotations.Nullable;

/** Daily totals as the in-memory store keeps them: ascending {@code (epochDay, total)} pairs in one array. */
final class DayPairs {

  private DayPairs() {}

  /**
   * {@code pairs} with a pair for {@code epochDay} (a new one totals 0): the same array when it has one,
   * else a copy one pair longer.
   */
  static long[] withDay(long @Nullable [] pairs, long epochDay) {
    int i = 0;
    while (pairs != null && i < pairs.length && pairs[i] < epochDay) {
      i += 2;
    }
    if (pairs != null && i < pairs.length && pairs[i] == epochDay) {
      return pairs;
    }
    long[] grown = new long[pairs == null ? 2 : pairs.length + 2];
    if (pairs != null) {
      System.arraycopy(pairs, 0, grown, 0, i);
      System.arraycopy(pairs, i, grown, i + 2, pairs.length - i);
    }
    grown[i] = epochDay;
    return grown;
  }

  /** Where the total of {@code epochDay} is in {@code pairs}, which hold that day. */
  static int totalOf(long[] pairs, long epochDay) {
    int i = pairs.length - 2;
    while (pairs[i] != epochDay) {
      i -= 2;
    }
    return i + 1;
  }
}
