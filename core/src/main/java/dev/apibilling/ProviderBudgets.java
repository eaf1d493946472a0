package dev.apibilling;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Budgets for the outbound direction: an application spending its own quotas at upstream providers (LLM
 * APIs, SMS gateways), built on an {@link ApiBilling} and its store, so every instance sharing the store
 * shares the providers' budgets and their exhaustion.
 *
 * <pre>{@code
 * billing.updateClientQuotas("primary", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 90_000)));
 * billing.updateClientQuotas("fallback", List.of(QuotaDefinition.of(QuotaDuration.DAY, 2_000_000)));
 * ProviderBudgets providers = ProviderBudgets.of(billing, List.of("primary", "fallback"));
 *
 * ProviderCall call = providers.reserve(4_000).orElseThrow();      // the tokens the call may use
 * HttpResponse<String> r = send(call.provider(), prompt);
 * if (r.statusCode() == 429) {
 *   providers.exhausted(call, retryAfter(r));                     // released; skipped until then
 * } else {
 *   providers.commit(call, tokensUsed(r));                         // the actual tokens
 * }
 * }</pre>
 *
 * <p>Each provider is a client of the billing whose quotas are the provider's limits; reservations and
 * commits are the billing's. A provider marked exhausted stays so until the instant given, then is
 * available again by itself: the instant is kept in the store as the count of the client
 * {@code <provider>#exhausted} (policy {@value #MARKER_POLICY}, one window from 1970 to 2200), raised
 * only, with the compare-and-set a window limit gives, so concurrent marks keep the latest instant (the
 * raises also show in that client's daily history, which is not the provider's).
 * {@link #reserve} takes the providers in preference order and skips the exhausted and, while any other
 * is left, those whose forecast ({@link ForecastSettings}) reaches a limit before its reset.
 * Each provider considered costs one store read (its mark); a reservation, one charge. Thread safe.
 */
public final class ProviderBudgets {

  /** The policy name of a provider's exhaustion mark. */
  public static final String MARKER_POLICY = "exhausted-until";

  /** The end of the mark's window, 2200-01-01T00:00:00Z in epoch milliseconds. */
  static final long MARKER_END = 7_258_118_400_000L;

  private static final List<WindowSlot> MARKER =
      List.of(new WindowSlot(MARKER_POLICY, 0, MARKER_END, WindowSlot.UNLIMITED));
  private static final int MARK_ATTEMPTS = 8;

  private final ApiBilling billing;
  private final List<String> providers;

  private ProviderBudgets(ApiBilling billing, List<String> providers) {
    this.billing = billing;
    this.providers = providers;
  }

  /**
   * Budgets over {@code billing} for {@code providers}, in preference order, each a client with quotas
   * in the billing.
   *
   * @throws IllegalArgumentException if the list is empty, has duplicates or invalid ids, or a provider
   *     has no quotas
   */
  public static ProviderBudgets of(ApiBilling billing, List<String> providers) {
    List<String> ids = Requirements.providers(providers);
    for (String p : ids) {
      Requirements.provider(p, billing.clientQuotas(p).isPresent());
    }
    return new ProviderBudgets(billing, ids);
  }

  /** The providers in preference order. */
  public List<String> providers() {
    return providers;
  }

  /**
   * Reserves {@code credits} at the first provider, in preference order, that is not exhausted, not
   * predicted to exhaust a quota before its reset, and has the credits; when every provider left is
   * predicted to exhaust, at the first of those that has the credits.
   *
   * @return the call, or empty when no provider can take it now
   * @throws IllegalArgumentException if the credits are invalid
   * @throws dev.apibilling.spi.UsageStoreException if the store fails
   */
  public Optional<ProviderCall> reserve(long credits) {
    Requirements.credits(credits);
    long now = billing.clock().millis();
    List<String> predicted = new ArrayList<>();
    for (String p : providers) {
      if (markOf(p, now) > now) {
        continue;
      }
      if (predictsExhaustion(p, now)) {
        predicted.add(p);
        continue;
      }
      Optional<ProviderCall> call = tryReserve(p, credits);
      if (call.isPresent()) {
        return call;
      }
    }
    for (String p : predicted) {
      Optional<ProviderCall> call = tryReserve(p, credits);
      if (call.isPresent()) {
        return call;
      }
    }
    return Optional.empty();
  }

  /**
   * Keeps {@code actualCredits} of the call's reservation (what the provider really charged) and gives
   * the rest back.
   *
   * @return false if the reservation was already settled or has expired
   */
  public boolean commit(ProviderCall call, long actualCredits) {
    return billing.commit(call.reservation(), actualCredits);
  }

  /** Gives the call's credits back (the call was not made or cost nothing). */
  public boolean release(ProviderCall call) {
    return billing.release(call.reservation());
  }

  /**
   * The provider answered 429 to the call: gives its credits back and marks the provider exhausted for
   * {@code retryAfter} (its {@code Retry-After}) from now.
   *
   * @return the instant the provider is exhausted until (a later mark by another call wins)
   */
  public Instant exhausted(ProviderCall call, Duration retryAfter) {
    billing.release(call.reservation());
    return markExhausted(call.provider(), billing.clock().instant().plus(
        retryAfter.isNegative() ? Duration.ZERO : retryAfter));
  }

  /**
   * Marks a provider exhausted until {@code until}, for every instance sharing the store; an earlier
   * instant than the current mark changes nothing.
   *
   * @return the instant the provider is exhausted until now
   * @throws IllegalArgumentException if the provider is not one of these or the instant is out of range
   */
  public Instant markExhausted(String provider, Instant until) {
    Requirements.provider(provider, providers.contains(provider));
    long target = Requirements.exhaustedUntil(until).toEpochMilli();
    UsageStore store = billing.store();
    String marker = markerClient(provider);
    long current = 0;
    for (int attempt = 0; attempt < MARK_ATTEMPTS; attempt++) {
      long now = billing.clock().millis();
      current = markOf(provider, now);
      if (current >= target) {
        return Instant.ofEpochMilli(current);
      }
      // Granted only if the count is still `current`: the limit makes the raise a compare-and-set.
      List<WindowSlot> slot = List.of(new WindowSlot(MARKER_POLICY, 0, MARKER_END, target));
      ChargeRequest raise = new ChargeRequest(marker, slot, target - current, ChargeMode.CHARGE, null, 0,
          null, now, Math.floorDiv(now, 86_400_000L), Map.of(), now);
      if (store.charge(raise).granted()) {
        return until;
      }
    }
    return Instant.ofEpochMilli(Math.max(current, markOf(provider, billing.clock().millis())));
  }

  /** The instant the provider is exhausted until, if that is still ahead. */
  public Optional<Instant> exhaustedUntil(String provider) {
    Requirements.provider(provider, providers.contains(provider));
    long now = billing.clock().millis();
    long mark = markOf(provider, now);
    return mark > now ? Optional.of(Instant.ofEpochMilli(mark)) : Optional.empty();
  }

  private long markOf(String provider, long now) {
    return billing.store().usage(markerClient(provider), MARKER, now)[0];
  }

  private boolean predictsExhaustion(String provider, long now) {
    Forecaster f = billing.forecaster();
    if (f == null) {
      return false;
    }
    Plan plan = billing.plan(provider);
    boolean[] over = f.predicted(provider, plan, plan.windows(now), now);
    if (over != null) {
      for (boolean o : over) {
        if (o) {
          return true;
        }
      }
    }
    return false;
  }

  private Optional<ProviderCall> tryReserve(String provider, long credits) {
    BillingDecision d = billing.reserve(Charge.of(provider, credits));
    return d.reservation().map(r -> new ProviderCall(provider, r));
  }

  private static String markerClient(String provider) {
    return provider + "#exhausted";
  }
}
