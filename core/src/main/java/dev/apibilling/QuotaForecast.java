package dev.apibilling;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a quota is heading at the observed burn rate: the usage projected at the window's end and, if
 * the budget runs out before then, when.
 *
 * <p>The rate is exponentially weighted: credits counted {@code a} ago weigh {@code e^(-a/horizon)}, so
 * a quiet start of the window does not dilute a busy present, and a burst fades within a few horizons.
 * How it is computed, and what it costs, is described on {@link ForecastSettings}.
 *
 * @param creditsPerSecond the observed burn rate, never negative
 * @param projectedUsed {@code used} plus the rate times the time left in the window, rounded
 * @param exhaustsAt when the projection reaches the limit, if that is before the window ends (the
 *     instant of the forecast itself when nothing is left); null when it does not, or when unlimited
 * @param horizon the time constant of the weighting (a fixed fraction of the window's length)
 */
public record QuotaForecast(
    double creditsPerSecond, long projectedUsed, @Nullable Instant exhaustsAt, Duration horizon) {

  /** The projected exhaustion instant, if the budget runs out before the window ends. */
  public Optional<Instant> exhaustion() {
    return Optional.ofNullable(exhaustsAt);
  }

  /** Whether the projection reaches the limit before the window ends. */
  public boolean predictsExhaustion() {
    return exhaustsAt != null;
  }

  /** The burn rate per {@code period}, e.g. credits per hour for {@code Duration.ofHours(1)}. */
  public double creditsPer(Duration period) {
    return creditsPerSecond * period.toNanos() / 1e9;
  }
}
