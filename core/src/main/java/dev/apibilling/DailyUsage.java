package dev.apibilling;

import java.time.LocalDate;

/**
 * The credits a client was charged on one day (in the billing's history zone).
 *
 * @param date the day
 * @param credits credits charged that day, net of refunds
 */
public record DailyUsage(LocalDate date, long credits) {}
