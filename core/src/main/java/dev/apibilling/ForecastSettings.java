package dev.apibilling;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How {@link ApiBilling} forecasts quotas ({@link ApiBilling.Builder#forecasts}); immutable, every
 * setting has a default, forecasts are on.
 *
 * <p><b>The burn rate.</b> For each quota of a client the billing keeps a decayed sum of the credits it
 * has seen counted: {@code S(t) = sum of c * e^(-(t - t_c) / h)} over credits {@code c} first seen at
 * {@code t_c} (releases count negative), with the horizon {@code h} = {@link #horizon()} times the
 * window's length (default 1/10: 3 days for a month, 2.4 hours for a day, 6 seconds for a minute). The
 * rate is {@code S(t) / (h * (1 - e^(-max(a, h) / h)))}, where {@code a} is the time since the start of
 * the window in which this billing first saw the client. The divisor corrects the sum for the time it
 * has had to fill, so a steady rate is reported exactly from one horizon on and never overstated before;
 * the floor of one horizon keeps a single early request from projecting a flood. Usage long ago weighs
 * little: twenty quiet days do not dilute yesterday's rate as {@code used / elapsed} would. The rate
 * carries over a window change (the counter restarts, the pace does not). Credits counted before the
 * billing first saw the client are taken as spread evenly over the window so far.
 *
 * <p><b>The projection.</b> {@code projected = used + rate * (reset - now)}; the budget is projected to
 * run out at {@code now + (limit - used) / rate} when that is before the reset (at once when nothing is
 * left).
 *
 * <p><b>Where the numbers come from, and the cost.</b> Every decision already returns each window's
 * count after it; the billing feeds those counts (and {@link ApiBilling#status}'s) to the forecast, so
 * there is no extra store call, and several instances sharing a store each see the others' usage in
 * their counts. A client whose quotas were set with {@link ApiBilling#updateClientQuotas} keeps its
 * forecasts with its quotas (they follow it through plan changes and go when it is removed); the other
 * clients' (those of the default plan or a quota source) are kept in a cache bounded to
 * {@link #maximumClients} (default 10,000; the most active clients stay), about 250 bytes per client
 * with one quota and 80 more per further quota (measured on 100,000 clients). A client dropped from it
 * starts again as first seen, and its projection events may come again in that window. Per decision, once
 * per client and millisecond (or every time when a listener is registered): a short lock on the client's
 * entry and one or two {@code exp} per quota; the other decisions of that millisecond (none with a
 * listener) only compare two fields and, the first of them, set a mark, and the next observation under
 * the lock dates their credits to their millisecond. One 24-byte object per client and millisecond, no
 * other allocation. Results depend only on the counts and the injected clock ({@link StrictMath}), so
 * tests are exact.
 *
 * <p><b>Predictive reserve.</b> {@link #predictiveReserve} keeps the last credits of a quota for while
 * the projection stays within the limit: once the rate says the budget will run out before the reset,
 * requests may use only {@code limit - reserve}. Example: a month of 100,000 credits with a reserve of
 * 10,000 lets a runaway batch job spend 90,000 and then holds the rest for the interactive traffic of
 * the remaining days, instead of leaving the client with nothing on the 20th; when the job stops, the
 * rate falls, the projection comes back under the limit and the reserve opens again. A denial by the
 * reserve reports the quota as the one that blocked, with the window's reset as the (latest) retry time.
 */
public final class ForecastSettings {

  private static final ForecastSettings DEFAULTS =
      new ForecastSettings(true, 0.1, 10_000, Map.of());

  private final boolean enabled;
  private final double horizon;
  private final long maximumClients;
  private final Map<String, Long> reserves;

  private ForecastSettings(boolean enabled, double horizon, long maximumClients, Map<String, Long> reserves) {
    this.enabled = enabled;
    this.horizon = horizon;
    this.maximumClients = maximumClients;
    this.reserves = reserves;
  }

  /** Forecasts on, horizon 1/10 of the window, up to 10,000 clients tracked, no reserves. */
  public static ForecastSettings defaults() {
    return DEFAULTS;
  }

  /** No forecasts: status carries none, no forecast events, no reserves, nothing kept per client. */
  public static ForecastSettings off() {
    return new ForecastSettings(false, DEFAULTS.horizon, DEFAULTS.maximumClients, Map.of());
  }

  /**
   * These settings with the horizon as a fraction of each window's length.
   *
   * @throws IllegalArgumentException unless {@code 0 < fraction <= 1}
   */
  public ForecastSettings horizon(double fraction) {
    return new ForecastSettings(enabled, Requirements.fraction("forecast horizon", fraction),
        maximumClients, reserves);
  }

  /**
   * These settings tracking at most {@code clients} clients (least recently used are dropped).
   *
   * @throws IllegalArgumentException unless {@code clients > 0}
   */
  public ForecastSettings maximumClients(long clients) {
    return new ForecastSettings(enabled, horizon, Requirements.count("forecast maximumClients", clients),
        reserves);
  }

  /**
   * These settings keeping the last {@code credits} of every quota named {@code policy} for while its
   * projection stays within the limit (see the class description).
   *
   * @throws IllegalArgumentException if the policy name or the credits are invalid
   */
  public ForecastSettings predictiveReserve(String policy, long credits) {
    Map<String, Long> r = new LinkedHashMap<>(reserves);
    r.put(Requirements.policy(policy), Requirements.credits(credits));
    return new ForecastSettings(true, horizon, maximumClients, Map.copyOf(r));
  }

  /** Whether forecasts are computed. */
  public boolean enabled() {
    return enabled;
  }

  /** The horizon as a fraction of the window's length. */
  public double horizon() {
    return horizon;
  }

  /** How many clients without quotas of their own (default plan, quota source) are tracked at most. */
  public long maximumClients() {
    return maximumClients;
  }

  /** Predictive reserves by policy name. */
  public Map<String, Long> predictiveReserves() {
    return reserves;
  }

  @Override
  public String toString() {
    return enabled
        ? "ForecastSettings{horizon=" + horizon + ", maximumClients=" + maximumClients
            + ", predictiveReserves=" + reserves + '}'
        : "ForecastSettings{off}";
  }
}
