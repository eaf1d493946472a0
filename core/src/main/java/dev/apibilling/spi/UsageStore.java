package dev.apibilling.spi;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Keeps usage counters, idempotency records, reservations and daily totals for
 * {@link dev.apibilling.ApiBilling}.
 *
 * <p>Every method is one atomic operation and, for a remote store, one round trip. Implementations are
 * thread safe, and several store objects (in several processes) over the same backend must behave as one
 * store: that is what makes a budget exact across application instances. Every implementation passes the
 * contract tests in {@code apibilling-core}'s test-jar ({@code dev.apibilling.tck.UsageStoreContract}).
 *
 * <p>Time is the caller's: each request carries {@code now}, and expiry (windows, idempotency records,
 * reservations) is judged against it, never against a clock of the store's own.
 *
 * <p>A window's identity and its lifetime agree: a count is keyed by {@code (client, policy, start)}, and
 * every call that names a window ({@link #charge} in every mode, granted or not, and {@link #usage})
 * keeps an existing count of it at least until that window's {@code end} (plus the store's grace). A plan
 * change can make the window with a kept start end later than the window that created the count.
 *
 * <p>Counts and daily totals saturate at {@link dev.apibilling.Requirements#MAX_CREDITS}: charges on an
 * unlimited quota never push them past it (limited windows never reach it).
 *
 * <p>Any method throws {@link UsageStoreException} when the backend cannot be reached or fails.
 */
public interface UsageStore extends AutoCloseable {

  /**
   * Atomically: gives back expired reservations of the client (forgetting their idempotency outcomes);
   * replays a recorded idempotent outcome (reporting the current counts of the request's windows, and
   * for a reservation what it still holds: see {@link ChargeResult}); otherwise checks every window of
   * the request and, unless the mode is {@link ChargeMode#CHECK}, deducts the credits from all windows and
   * adds them to the day's total, or changes nothing.
   */
  ChargeResult charge(ChargeRequest request);

  /**
   * The store's own object for a client, for {@link #chargeQuickly}: a caller that keeps it (one per
   * client) spares the store a lookup of the client on each quick charge. Null when the store offers no
   * quick charges or holds nothing for the client yet. A handle may go stale (the store dropped the
   * client's state): a quick charge through it then returns null and changes nothing, and the caller
   * asks for a handle again. The default returns null.
   */
  default @Nullable Object quickHandle(String clientId) {
    return null;
  }

  /**
   * A shortcut a store may offer for the commonest call: {@link #charge} of a {@link ChargeMode#CHARGE}
   * with no idempotency key, reservation or usage event, decided without a request object, through the
   * client's {@link #quickHandle}. Returns the counts after the charge (as {@link ChargeResult#used()} of
   * a granted charge, an array the caller must not write) when the store granted it this way, or null
   * when the caller must make the full {@link #charge} call instead, which then decides; a null changes
   * nothing. The default returns null.
   */
  default long @Nullable [] chargeQuickly(Object handle, String clientId, List<WindowSlot> windows,
      long credits, long epochDay, long now) {
    return null;
  }

  /**
   * Keeps {@code actualCredits} of a reservation and gives the rest back, atomically.
   *
   * @return false if no such reservation exists (already settled, expired, or never made)
   */
  boolean settle(SettleRequest request);

  /**
   * The credits counted in each window, in the given order ({@code 0} for a window never charged).
   * Includes reserved, unsettled credits. Keeps each existing count until its window's end, as
   * {@link #charge} does.
   */
  long[] usage(String clientId, List<WindowSlot> windows, long now);

  /** Daily totals of the client from {@code fromEpochDay} to {@code toEpochDay} inclusive, by day, without empty days. */
  List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay);

  /**
   * Daily totals of one operation of the client ({@link ChargeRequest#operation()}) from
   * {@code fromEpochDay} to {@code toEpochDay} inclusive, by day, without empty days. The credits of a
   * charge of an operation count in both the client's totals and the operation's.
   *
   * <p>The default throws {@link UnsupportedOperationException}: a store written before operation
   * history keeps none, and says so rather than answer with an empty history.
   */
  default List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    throw new UnsupportedOperationException(getClass().getName() + " keeps no daily totals per operation");
  }

  /**
   * Deletes the client's daily totals from {@code fromEpochDay} to {@code toEpochDay} inclusive, and
   * those of its operations in the same days.
   *
   * @return the number of days that had a client-wide total
   */
  long deleteHistory(String clientId, long fromEpochDay, long toEpochDay);

  /**
   * The usage events this store records with its charges ({@link ChargeRequest#event()},
   * {@link SettleRequest#event()}), or empty if it records none: then
   * {@link dev.apibilling.ApiBilling.Builder#usageEvents} refuses the store. The default is empty.
   */
  default Optional<UsageEventLog> eventLog() {
    return Optional.empty();
  }

  /** Releases connections and threads the store owns. The default does nothing. */
  @Override
  default void close() {}
}
