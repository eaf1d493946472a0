package dev.apibilling.servlet;

/**
 * Which finished requests keep their reserved credits; the others are refunded in full. A handler that
 * throws counts as status 500.
 *
 * <p>Under every policy, a request that apibilling itself refused is never charged: a spent quota or an
 * unknown client raised anywhere in the request (also by a nested {@code ApiBilling.trackClientUsage} in
 * the handler), a failed store; see {@link BillingRefusals}. The policy decides the rest by status.
 */
public enum ChargePolicy {
  /** Every request is charged, whatever its status (except apibilling's own refusals). */
  ALWAYS,
  /**
   * Requests answered below 500 are charged, except 404 (no such resource), 405 (no such method) and 429
   * (too many requests, whoever answered it): a caller's typo or a refusal costs nothing. Other client
   * errors (400, 409, 422, ...) are charged, since the handler did the work of judging the request;
   * 500 and above (501 included) are refunded. The default.
   */
  BELOW_500,
  /** Only 2xx responses are charged. */
  SUCCESS_2XX;

  /** Whether a request that ended with {@code status} is charged (it was not refused by apibilling). */
  public boolean charges(int status) {
    return switch (this) {
      case ALWAYS -> true;
      case BELOW_500 -> status < 500 && status != 404 && status != 405 && status != 429;
      case SUCCESS_2XX -> status >= 200 && status < 300;
    };
  }

  /**
   * The policy named {@code text}: {@code always}, {@code below-500} or {@code success-2xx}, any case.
   *
   * @throws IllegalArgumentException for any other text
   */
  public static ChargePolicy parse(String text) {
    return Names.parse(ChargePolicy.class, "chargePolicy", "charge policy", text);
  }

  @Override
  public String toString() {
    return Names.configName(this);
  }
}
