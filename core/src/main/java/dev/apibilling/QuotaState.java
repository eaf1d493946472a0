package dev.apibilling;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One quota of a client in its current window: what rate-limit headers and status pages report.
 *
 * @param policy the policy name ({@code "day"}, {@code "month"}, or a custom one)
 * @param duration the window's duration
 * @param limit credits allowed in the window, or {@link QuotaDefinition#UNLIMITED}
 * @param used credits counted in the window (including held reservations)
 * @param windowStart inclusive start of the current window
 * @param resetAt exclusive end of the current window, when {@code used} starts again from zero
 * @param forecast the burn-rate forecast, in {@link ApiBilling#status} and forecast events when
 *     forecasts are on; null in decisions (which stay lean) and when forecasts are off
 * @param operation null for a client-wide quota, else the operation whose charges alone count against it
 */
public record QuotaState(
    String policy, QuotaDuration duration, long limit, long used, Instant windowStart, Instant resetAt,
    @Nullable QuotaForecast forecast, @Nullable String operation) {

  /** A client-wide state. */
  public QuotaState(String policy, QuotaDuration duration, long limit, long used, Instant windowStart,
      Instant resetAt, @Nullable QuotaForecast forecast) {
    this(policy, duration, limit, used, windowStart, resetAt, forecast, null);
  }

  /** A state without a forecast. */
  public QuotaState(
      String policy, QuotaDuration duration, long limit, long used, Instant windowStart, Instant resetAt) {
    this(policy, duration, limit, used, windowStart, resetAt, null, null);
  }

  /**
   * The name headers, problem bodies and metrics report, unique among the client's quotas: the policy
   * name, or {@code operation/policy} for an operation's quota ({@code send_email/day}).
   */
  public String name() {
    return operation == null ? policy : operation + '/' + policy;
  }

  /** The forecast, when this state carries one. */
  public Optional<QuotaForecast> forecastIfKnown() {
    return Optional.ofNullable(forecast);
  }

  /** This state with {@code forecast}. */
  QuotaState withForecast(@Nullable QuotaForecast forecast) {
    return new QuotaState(policy, duration, limit, used, windowStart, resetAt, forecast, operation);
  }

  /** Whether the quota never blocks. */
  public boolean unlimited() {
    return limit == QuotaDefinition.UNLIMITED;
  }

  /** Credits still available in the window: never negative, {@link Long#MAX_VALUE} when unlimited. */
  public long remaining() {
    return unlimited() ? Long.MAX_VALUE : Math.max(0, limit - used);
  }

  /** The length of the current window in whole seconds (a calendar month is 28 to 31 days). */
  public long windowSeconds() {
    return Duration.between(windowStart, resetAt).toSeconds();
  }

  /** Time from {@code now} until the window resets, never negative. */
  public Duration resetAfter(Instant now) {
    Duration d = Duration.between(now, resetAt);
    return d.isNegative() ? Duration.ZERO : d;
  }
}
