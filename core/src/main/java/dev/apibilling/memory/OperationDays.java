package dev.apibilling.memory;

import dev.apibilling.Requirements;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The daily totals of a client's operations ({@code ChargeRequest.operation}): per operation, its
 * {@code (epochDay, total)} pairs in one ascending array. Only a client charged for an operation gets one;
 * guarded by its {@link ClientState}'s monitor.
 */
final class OperationDays {

  private final HashMap<String, long[]> days = new HashMap<>(2);

  /** Adds (or, negative, takes off) credits to the operation's day, saturating at 0 and MAX_CREDITS. */
  void add(String operation, long epochDay, long credits) {
    long[] d = DayPairs.withDay(days.get(operation), epochDay);
    days.put(operation, d);
    int i = DayPairs.totalOf(d, epochDay);
    d[i] = Math.min(Requirements.MAX_CREDITS, Math.max(0, d[i] + credits));
  }

  /** The operation's totals from {@code from} to {@code to} inclusive, without empty days. */
  Map<Long, Long> history(String operation, long from, long to) {
    Map<Long, Long> result = new TreeMap<>();
    long[] d = days.get(operation);
    for (int i = 0; d != null && i < d.length; i += 2) {
      if (d[i] >= from && d[i] <= to && d[i + 1] != 0) {
        result.put(d[i], d[i + 1]);
      }
    }
    return result;
  }

  /**
   * Deletes every operation's days from {@code from} to {@code to} inclusive; returns the latest day
   * still kept, or {@link Long#MIN_VALUE} when none is (then this object holds nothing).
   */
  long delete(long from, long to) {
    days.replaceAll((operation, d) -> without(d, from, to));
    days.values().removeIf(d -> d.length == 0);
    long latest = Long.MIN_VALUE;
    for (long[] d : days.values()) {
      latest = Math.max(latest, d[d.length - 2]);
    }
    return latest;
  }

  /** The pairs of {@code d} outside {@code from} to {@code to} inclusive ({@code d} itself if none is in). */
  private static long[] without(long[] d, long from, long to) {
    int dropped = 0;
    for (int i = 0; i < d.length; i += 2) {
      dropped += d[i] >= from && d[i] <= to ? 2 : 0;
    }
    if (dropped == 0) {
      return d;
    }
    long[] kept = new long[d.length - dropped];
    int k = 0;
    for (int i = 0; i < d.length; i += 2) {
      if (d[i] < from || d[i] > to) {
        kept[k++] = d[i];
        kept[k++] = d[i + 1];
      }
    }
    return kept;
  }
}
