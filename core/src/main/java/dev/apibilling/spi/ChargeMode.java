package dev.apibilling.spi;

/** What a {@link ChargeRequest} does when every window admits its credits. */
public enum ChargeMode {
  /** Answer whether the credits fit; change nothing. */
  CHECK,
  /** Deduct the credits from every window and add them to the day's total. */
  CHARGE,
  /**
   * Deduct the credits like {@link #CHARGE} and remember them under {@link ChargeRequest#reservationId()}
   * until they are settled ({@link UsageStore#settle}) or expire, when the store gives them back. A
   * reservation made under an idempotency key remembers it: when all its credits are given back (released,
   * or expired) the recorded outcome is forgotten too.
   */
  RESERVE;

  /**
   * The mode's number in the stores' scripts and SQL: 0 for {@link #CHECK}, 1 for {@link #CHARGE}, 2 for
   * {@link #RESERVE}. The one place this numbering is defined.
   */
  public int code() {
    return switch (this) {
      case CHECK -> 0;
      case CHARGE -> 1;
      case RESERVE -> 2;
    };
  }
}
