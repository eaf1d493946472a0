package dev.apibilling.servlet;

/**
 * Which finished requests keep their reserved credits; the others are refunded in full. A handler that
 * throws counts as status 500.
 */
public enum ChargePolicy {
  /** Every request is charged, whatever its status. */
  ALWAYS,
  /** Requests answered below 500 are charged; server errors are refunded (the default). */
  BELOW_500,
  /** Only 2xx responses are charged. */
  SUCCESS_2XX;

  /** Whether a request that ended with {@code status} is charged. */
  public boolean charges(int status) {
    return switch (this) {
      case ALWAYS -> true;
      case BELOW_500 -> status < 500;
      case SUCCESS_2XX -> status >= 200 && status < 300;
    };
  }

  /**
   * The policy named {@code text}: {@code always}, {@code below-500} or {@code success-2xx}, any case.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static ChargePolicy parse(String text) {
    return Names.parse(ChargePolicy.class, "charge policy", text);
  }

  @Override
  public String toString() {
    return Names.configName(this);
  }
}
