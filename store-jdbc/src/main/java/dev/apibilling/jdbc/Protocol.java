package dev.apibilling.jdbc;

/**
 * The positional protocol of the SQL routines a decision or settlement calls, named once: the parameter
 * slots of PostgreSQL's {@code charge} and {@code settle} functions and of MariaDB's {@code charge} and
 * {@code settle} procedures, in their order, and the columns they answer (a charge mode's code is {@link dev.apibilling.spi.ChargeMode#code()}). Each
 * constant is its SQL parameter's name without {@code p_}; the schema files carry the same tables as
 * comments, and {@code ProtocolTest} checks that the routines' signatures agree with these enums.
 */
final class Protocol {

  private Protocol() {}

  /** A named parameter or column of a routine: its JDBC index is its position, from 1. */
  interface Slot {
    int ordinal();

    /** The JDBC index of this slot. */
    default int at() {
      return ordinal() + 1;
    }
  }

  /** The parameters of PostgreSQL's {@code charge} function (postgresql.sql). */
  enum PostgresCharge implements Slot {
    CLIENT, POLICIES, STARTS, ENDS, LIMITS, CREDITS, MODE, KEY, KEY_EXPIRES, RESERVATION, RESERVATION_EXPIRES,
    DAY, NOW, EVENT_ID, EVENT_TIME, EVENT, OPERATION
  }

  /**
   * The parameters of PostgreSQL's {@code charge_one} function and MariaDB's {@code charge_one} procedure: a
   * plain charge (no idempotency key, reservation or operation) of one window; it answers the window's count
   * after the charge, or -1 minus it when refused.
   */
  enum ChargeOne implements Slot {
    CLIENT, POLICY, START, END, LIMIT, CREDITS, DAY, NOW, EVENT_ID, EVENT_TIME, EVENT
  }

  /** The parameters of MariaDB's {@code charge} procedure (mariadb.sql); windows travel as {@link Slots} text. */
  enum MariaDbCharge implements Slot {
    CLIENT, WINDOWS, CREDITS, MODE, KEY, KEY_EXPIRES, RESERVATION, RESERVATION_EXPIRES, DAY, NOW, EVENT_ID,
    EVENT_TIME, EVENT, OPERATION
  }

  /** The parameters of the {@code settle} function (PostgreSQL) and procedure (MariaDB): the same on both. */
  enum Settle implements Slot {
    CLIENT, RESERVATION, ACTUAL, NOW, EVENT_ID, EVENT_TIME, EVENT
  }

  /** The columns of the one row {@code charge} answers, on both. */
  enum ChargeAnswer implements Slot {
    GRANTED, REPLAYED, USED, RESERVATION_ID
  }

  /** {@code CALL}-able text of a routine with one {@code ?} per slot: {@code name(?, ?, ...)}. */
  static String invocation(String routine, Class<? extends Enum<?>> slots) {
    int n = slots.getEnumConstants().length;
    StringBuilder b = new StringBuilder(routine.length() + 3 * n + 2).append(routine).append('(');
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "?" : ", ?");
    }
    return b.append(')').toString();
  }
}
