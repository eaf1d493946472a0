package dev.apibilling;

/**
 * Metrics of a billing, added with {@link ApiBilling.Builder#metrics}: a listener of its decisions that is
 * also handed the billing once it is built, to read gauges from it (lease statistics). Core's own
 * interface, so the builder names no metrics library; {@link BillingMetrics#monitor} binds Micrometer.
 */
public interface BillingMonitor extends BillingListener {

  /** Called once, right after {@code billing} is built; does nothing by default. */
  default void bindTo(ApiBilling billing) {}
}
