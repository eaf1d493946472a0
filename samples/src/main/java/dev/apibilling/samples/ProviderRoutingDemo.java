package dev.apibilling.samples;

import dev.apibilling.ApiBilling;
import dev.apibilling.ClientStatus;
import dev.apibilling.ProviderBudgets;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStores;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The outbound direction, runnable: two fake upstream providers on loopback ports, {@code primary} (which
 * answers 429 with {@code Retry-After: 2} after five calls) and {@code fallback}; twelve prompts are
 * routed with {@link ProviderBudgets} around the exhausted one and back once its Retry-After has passed.
 * Usage: {@code java -cp apibilling-samples.jar dev.apibilling.samples.ProviderRoutingDemo [store URL]}
 * (default {@code memory}; give several runs one Redis or SQL store and they share the providers' marks).
 */
public final class ProviderRoutingDemo {

  private ProviderRoutingDemo() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Clock clock = Clock.systemUTC();
    String storeUrl = args.length > 0 ? args[0] : "memory";
    try (FakeProvider primary = FakeProvider.start(clock, 5, Duration.ofSeconds(2));
        FakeProvider fallback = FakeProvider.start(clock, 0, Duration.ZERO);
        UsageStore store = UsageStores.open(storeUrl);
        ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
      billing.updateClientQuotas("primary", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 20_000)));
      billing.updateClientQuotas("fallback", List.of(QuotaDefinition.of(QuotaDuration.DAY, 1_000_000)));
      ProviderBudgets budgets = ProviderBudgets.of(billing, List.of("primary", "fallback"));
      ProviderRouter router = new ProviderRouter(budgets,
          Map.of("primary", primary.uri(), "fallback", fallback.uri()), clock);
      for (int i = 1; i <= 12; i++) {
        if (i == 10) {
          Duration wait = budgets.exhaustedUntil("primary")
              .map(until -> Duration.between(clock.instant(), until)).orElse(Duration.ZERO);
          System.out.println("waiting " + wait.toMillis() + " ms for primary's Retry-After to pass");
          Thread.sleep(wait.toMillis() + 1);
        }
        ProviderRouter.Answer a = router.send("prompt number " + i, 1_000);
        System.out.println("prompt " + i + " -> " + a.provider() + " (" + a.tokens() + " tokens)"
            + budgets.exhaustedUntil("primary").map(u -> "; primary exhausted until " + u).orElse(""));
      }
      for (String p : budgets.providers()) {
        ClientStatus s = billing.status(p);
        QuotaState q = s.quotas().get(0);
        System.out.println(p + ": " + q.used() + " of " + q.limit() + " tokens this " + q.policy()
            + ", " + (p.equals("primary") ? primary.hits() : fallback.hits()) + " HTTP calls received");
      }
    }
  }
}
