package dev.apibilling.spi;

/**
 * One quota window of one client, as a store sees it: the policy it belongs to, its bounds and its limit.
 *
 * <p>A store keys the window's counter by {@code (clientId, policy, start)} and may forget it once the
 * latest {@code end} it was given for that key has passed (plus whatever grace the store applies for clock
 * skew between instances): after a plan change the same key may come with a later end.
 *
 * @param policy the quota's policy name, unique among the client's quotas
 * @param start inclusive start of the window, epoch milliseconds
 * @param end exclusive end of the window, epoch milliseconds
 * @param limit credits allowed in the window, or {@link #UNLIMITED}
 */
public record WindowSlot(String policy, long start, long end, long limit) {

  /** The {@code limit} of a window that never blocks but still counts usage. */
  public static final long UNLIMITED = -1;

  /** @throws IllegalArgumentException if the bounds are empty or the limit is below {@link #UNLIMITED} */
  public WindowSlot {
    if (end <= start) {
      throw new IllegalArgumentException("window end must be > start but was " + end + " <= " + start);
    }
    if (limit < UNLIMITED) {
      throw new IllegalArgumentException("limit must be >= 0 or UNLIMITED but was " + limit);
    }
  }

  /** Whether the window never blocks. */
  public boolean unlimited() {
    return limit == UNLIMITED;
  }

  /** Whether {@code credits} more fit into this window when {@code used} are already counted. */
  public boolean admits(long used, long credits) {
    return limit == UNLIMITED || used + credits <= limit;
  }
}
