package dev.apibilling;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer metrics of an {@link ApiBilling}: the Micrometer binding of core's {@link BillingMonitor}. Add
 * them with {@code ApiBilling.builder().metrics(BillingMetrics.monitor(registry))}, or
 * {@code .listener(BillingMetrics.listener(registry, tagClientId))} and, after building,
 * {@link #monitorLeases}.
 *
 * <ul>
 *   <li>{@code apibilling.decisions} (counter): tags {@code outcome} = granted | denied | replayed,
 *       {@code policy} = the blocking policy of a denied decision, else {@code none}
 *   <li>{@code apibilling.credits} (counter): credits asked for, tag {@code outcome}
 *   <li>{@code apibilling.unknown.clients} (counter): requests naming a client with no quotas
 *   <li>{@code apibilling.thresholds} (counter): threshold crossings, tags {@code policy}, {@code threshold}
 *   <li>{@code apibilling.forecast.crossings} (counter): projections reaching a limit before the reset or
 *       coming back within it, tags {@code policy}, {@code direction} = over | back
 *   <li>{@code apibilling.store.calls} (timer): tags {@code operation}, {@code outcome} = success | failure
 *   <li>{@code apibilling.settlements} (counter): settlements retried in the background, tags
 *       {@code operation} = commit | release | compensate, {@code outcome} = queued | settled | unsettled |
 *       dropped; waiting now = queued - settled - unsettled
 *   <li>{@code apibilling.settlements.unsettled.credits} (counter): credits of commits that could not be
 *       settled (unsettled or dropped): served, charged by nobody
 *   <li>{@code apibilling.unbilled} (counter): requests served without billing because the store failed;
 *       {@code apibilling.unbilled.credits} (counter): their credits
 * </ul>
 *
 * <p>With leases on ({@link ApiBilling.Builder#leases}), {@link #monitor} also registers
 * (or {@link #monitorLeases} does): {@code apibilling.leases.grants} and {@code apibilling.leases.returns}
 * (counters of lease chunks taken and settled), {@code apibilling.leases.returned.credits},
 * {@code apibilling.leases.decisions} (tag {@code source} = local | store) and the gauge
 * {@code apibilling.leases.local.ratio} (the share of decisions made from leases).
 *
 * <p>Client ids are not tags unless asked for: they make the number of time series unbounded.
 */
public final class BillingMetrics {

  private BillingMetrics() {}

  /**
   * The metrics above, recorded in {@code registry}, lease meters included, for
   * {@link ApiBilling.Builder#metrics}; no client tag.
   */
  public static BillingMonitor monitor(MeterRegistry registry) {
    return new MicrometerListener(registry, false);
  }

  /**
   * A listener that records the metrics above in {@code registry} (without the lease meters: add them with
   * {@link #monitorLeases} once the billing is built).
   *
   * @param tagClientId whether to add a {@code client} tag (only for a small, fixed set of clients)
   */
  public static BillingListener listener(MeterRegistry registry, boolean tagClientId) {
    return new MicrometerListener(registry, tagClientId);
  }

  /** Registers the lease meters above for {@code billing} (nothing when its leases are off). */
  public static void monitorLeases(MeterRegistry registry, ApiBilling billing) {
    if (!billing.leasing()) {
      return;
    }
    FunctionCounter.builder("apibilling.leases.grants", billing, b -> b.leaseStats().grants()).register(registry);
    FunctionCounter.builder("apibilling.leases.returns", billing, b -> b.leaseStats().returns()).register(registry);
    FunctionCounter.builder("apibilling.leases.returned.credits", billing, b -> b.leaseStats().returnedCredits())
        .register(registry);
    FunctionCounter.builder("apibilling.leases.decisions", billing, b -> b.leaseStats().localDecisions())
        .tags("source", "local").register(registry);
    FunctionCounter.builder("apibilling.leases.decisions", billing, b -> b.leaseStats().storeDecisions())
        .tags("source", "store").register(registry);
    Gauge.builder("apibilling.leases.local.ratio", billing, b -> b.leaseStats().localHitRatio()).register(registry);
  }

  private static final class MicrometerListener implements BillingMonitor {
    private final MeterRegistry registry;
    private final boolean tagClientId;
    private final Counter unknownClients;

    MicrometerListener(MeterRegistry registry, boolean tagClientId) {
      this.registry = registry;
      this.tagClientId = tagClientId;
      this.unknownClients = Counter.builder("apibilling.unknown.clients")
          .description("Requests naming a client with no quotas")
          .register(registry);
    }

    @Override
    public void onDecision(BillingDecision decision) {
      String outcome = decision.replayed() ? "replayed" : decision.granted() ? "granted" : "denied";
      String policy = decision.violated().map(QuotaState::name).orElse("none");
      Tags tags = Tags.of("outcome", outcome);
      if (tagClientId) {
        tags = tags.and("client", decision.clientId());
      }
      Counter.builder("apibilling.decisions")
          .description("Billing decisions")
          .tags(tags.and("policy", policy))
          .register(registry)
          .increment();
      Counter.builder("apibilling.credits")
          .description("Credits asked for")
          .tags(tags)
          .register(registry)
          .increment(decision.requested());
    }

    @Override
    public void onUnknownClient(String clientId) {
      unknownClients.increment();
    }

    @Override
    public void onThresholdCrossed(String clientId, QuotaState quota, double fraction) {
      Counter.builder("apibilling.thresholds")
          .description("Quotas whose usage crossed a threshold")
          .tags("policy", quota.name(), "threshold", Double.toString(fraction))
          .register(registry)
          .increment();
    }

    @Override
    public void onProjectionCrossed(String clientId, QuotaState quota, boolean over) {
      Counter.builder("apibilling.forecast.crossings")
          .description("Quotas whose projection reached the limit before the reset, or came back within it")
          .tags("policy", quota.name(), "direction", over ? "over" : "back")
          .register(registry)
          .increment();
    }

    @Override
    public void onStoreCall(String operation, long nanos, boolean failed) {
      Timer.builder("apibilling.store.calls")
          .description("Calls to the usage store")
          .tags("operation", operation, "outcome", failed ? "failure" : "success")
          .register(registry)
          .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onSettlementRetry(String clientId, String operation, String outcome, long credits) {
      Counter.builder("apibilling.settlements")
          .description("Settlements retried in the background")
          .tags("operation", operation, "outcome", outcome)
          .register(registry)
          .increment();
      if (credits > 0 && (outcome.equals("unsettled") || outcome.equals("dropped"))) {
        Counter.builder("apibilling.settlements.unsettled.credits")
            .description("Credits of commits that could not be settled")
            .register(registry)
            .increment(credits);
      }
    }

    @Override
    public void onServedUnbilled(String clientId, long credits) {
      Counter.builder("apibilling.unbilled")
          .description("Requests served without billing because the store failed")
          .register(registry)
          .increment();
      Counter.builder("apibilling.unbilled.credits")
          .description("Credits of requests served without billing")
          .register(registry)
          .increment(credits);
    }

    @Override
    public boolean timesStoreCalls() {
      return true;
    }

    @Override
    public void bindTo(ApiBilling billing) {
      monitorLeases(registry, billing);
    }
  }
}
