package dev.apibilling.spi;

/**
 * The credits a store counted for one client on one day, as {@link UsageStore#history} returns them.
 *
 * @param epochDay the day, as days since 1970-01-01 in the billing's history zone
 * @param credits credits charged that day, net of refunds
 */
public record DayTotal(long epochDay, long credits) {}
