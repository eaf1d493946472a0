package dev.apibilling.servlet;

/**
 * What a request gets when the usage store cannot answer ({@link dev.apibilling.spi.UsageStoreException}:
 * a timeout, a lost connection).
 */
public enum StoreFailurePolicy {
  /**
   * Serve the request unbilled, without rate-limit headers; count the miss and log it at most once per
   * interval (the default: an outage of the store is not an outage of the API).
   */
  FAIL_OPEN,
  /** Answer 503 with {@code Retry-After} and a {@code store-unavailable} problem body. */
  FAIL_CLOSED;

  /**
   * The policy named {@code text}: {@code fail-open} or {@code fail-closed}, any case.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static StoreFailurePolicy parse(String text) {
    return Names.parse(StoreFailurePolicy.class, "storeFailurePolicy", "store failure policy", text);
  }

  @Override
  public String toString() {
    return Names.configName(this);
  }
}
