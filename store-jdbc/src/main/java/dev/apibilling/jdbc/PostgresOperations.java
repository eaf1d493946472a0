package dev.apibilling.jdbc;

import dev.apibilling.Requirements;
import dev.apibilling.jdbc.Protocol.ChargeAnswer;
import dev.apibilling.jdbc.Protocol.ChargeOne;
import dev.apibilling.jdbc.Protocol.PostgresCharge;
import dev.apibilling.jdbc.Protocol.Settle;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL: every operation is one statement calling a PL/pgSQL function of the schema, so a decision
 * is one statement, one transaction (autocommit) and one round trip.
 */
final class PostgresOperations extends Operations {

  private final String charge;
  private final String chargeOne;
  private final String chargeOneMany;
  private final String chargeMany;
  private final String settle;
  private final String usage;
  private final String deleteHistory;
  private final String expireAll;
  private final String purgeWindows;

  PostgresOperations(Schema schema) {
    // a day's total is its daily row plus the buckets of that day in the client's windows (postgresql.sql)
    super(schema, historyWithBuckets(schema));
    String p = schema.prefix;
    this.charge = "SELECT granted, replayed, used, reservation_id FROM "
        + Protocol.invocation(p + "charge", PostgresCharge.class);
    this.chargeOne = "SELECT " + Protocol.invocation(p + "charge_one", ChargeOne.class);
    // a client's plain charges of the same windows sent together (CoalescedCharges): one statement, one
    // transaction, the function once per charge in the arrays' order
    String charges = " FROM unnest(?::int8[], ?::int8[], ?::int8[]) WITH ORDINALITY AS c(credits, day, now, i)";
    this.chargeOneMany = "SELECT c.i, x.answer" + charges + " CROSS JOIN LATERAL " + p + "charge_one(?, ?, ?, ?, ?,"
        + " c.credits, c.day, c.now, NULL, 0, NULL) AS x(answer)";
    this.chargeMany = "SELECT c.i, r.granted, r.used" + charges + " CROSS JOIN LATERAL " + p + "charge(?, ?, ?, ?, ?,"
        + " c.credits, " + ChargeMode.CHARGE.code() + ", NULL, 0, NULL, 0, c.day, c.now, NULL, 0, NULL, NULL) r";
    this.settle = "SELECT " + Protocol.invocation(p + "settle", Settle.class);
    this.usage = "SELECT " + p + "usage(?, ?, ?, ?, ?)";
    this.deleteHistory = "SELECT " + p + "delete_history(?, ?, ?)";
    this.expireAll = "SELECT " + p + "expire_all_reservations(?, ?)";
    // deleting windows moves their buckets into the daily rows in the same statement; the batch's window rows
    // are locked in window order (client, policy, start) first and the daily rows written in day order, as
    // every routine locks them (postgresql.sql, "Lock order")
    this.purgeWindows = "WITH locked AS (SELECT client_id, policy, window_start FROM " + schema.windows
        + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + schema.windows + " WHERE window_end <= ? LIMIT "
        + PURGE_BATCH + ")) ORDER BY client_id, policy, window_start FOR UPDATE), gone AS (DELETE FROM "
        + schema.windows + " w USING locked l WHERE w.client_id = l.client_id AND w.policy = l.policy"
        + " AND w.window_start = l.window_start AND w.window_end <= ?"
        + " RETURNING w.client_id, w.bucket_day, w.bucket_credits), moved AS (INSERT INTO " + schema.daily
        + " AS d (client_id, epoch_day, credits) SELECT client_id, bucket_day, LEAST(" + Requirements.MAX_CREDITS
        + ", SUM(bucket_credits)) FROM gone WHERE bucket_credits <> 0 GROUP BY client_id, bucket_day"
        + " ORDER BY client_id, bucket_day"
        + " ON CONFLICT (client_id, epoch_day) DO UPDATE SET credits = LEAST(" + Requirements.MAX_CREDITS
        + ", d.credits + EXCLUDED.credits)) SELECT COUNT(*) FROM gone";
  }

  /** Whether the charge may go with others ({@link CoalescedCharges}): plain, without a usage event. */
  static boolean goesTogether(ChargeRequest r) {
    return isPlain(r) && r.event() == null;
  }

  /**
   * Charges that {@link #goesTogether go together}, of one client and the same windows, in one statement
   * and transaction: {@code charge_one} (one window) or {@code charge} once per charge, in the batch's
   * order. Every charge locks the same rows, in the order every routine locks them. A batch of one goes as a
   * lone {@link #charge} ({@code charge_one} with scalars for one window): the statement over arrays costs
   * the server more to run.
   */
  ChargeResult[] chargeMany(Connection c, List<ChargeRequest> batch, Deadline d) throws SQLException {
    int n = batch.size();
    ChargeRequest first = batch.get(0);
    if (n == 1 && goesTogether(first)) {
      return new ChargeResult[] {charge(c, first, d)};
    }
    List<WindowSlot> slots = first.windows();
    int windows = slots.size();
    Long[] credits = new Long[n];
    Long[] days = new Long[n];
    Long[] nows = new Long[n];
    for (int k = 0; k < n; k++) {
      ChargeRequest r = batch.get(k);
      if (!r.clientId().equals(first.clientId()) || !r.windows().equals(slots) || !goesTogether(r)) {
        throw new IllegalArgumentException("a batch holds plain charges of one client and windows");
      }
      credits[k] = r.credits();
      days[k] = r.epochDay();
      nows[k] = r.now();
    }
    if (windows == 1) {
      try {
        return sendMany(c, first, slots, credits, days, nows, true, d);
      } catch (SQLException e) {
        if (!releasingHolds(c, e)) {
          throw e;
        }
      }
    }
    return sendMany(c, first, slots, credits, days, nows, false, d);
  }

  /** One statement of a batch's charges: {@code charge_one} per charge ({@code one}), else {@code charge}. */
  private ChargeResult[] sendMany(Connection c, ChargeRequest first, List<WindowSlot> slots, Long[] credits,
      Long[] days, Long[] nows, boolean one, Deadline d) throws SQLException {
    int n = credits.length;
    int windows = slots.size();
    ChargeResult[] results = new ChargeResult[n];
    try (PreparedStatement ps = preparePg(c, one ? chargeOneMany : chargeMany, d)) {
      ps.setArray(1, c.createArrayOf("bigint", credits));
      ps.setArray(2, c.createArrayOf("bigint", days));
      ps.setArray(3, c.createArrayOf("bigint", nows));
      ps.setString(4, first.clientId());
      if (one) {
        WindowSlot w = slots.get(0);
        ps.setString(5, w.policy());
        ps.setLong(6, w.start());
        ps.setLong(7, w.end());
        ps.setLong(8, w.limit());
      } else {
        setWindows(c, ps, 5, slots);
      }
      int rows = 0;
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int k = rs.getInt(1) - 1;
          results[k] = one ? plainOneResult(rs.getLong(2))
              : ChargeResult.of(rs.getBoolean(2), Arrays.copyOf(longs(rs.getArray(3), windows + 2), windows), null);
          rows++;
        }
      }
      if (rows != n) {
        throw new SQLException("the charge functions answered " + rows + " of " + n + " charges");
      }
    }
    return results;
  }

  @Override
  ChargeResult charge(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    if (isPlainOne(r)) {
      try {
        return chargeOne(c, r, d);
      } catch (SQLException e) {
        if (!releasingHolds(c, e)) {
          throw e;
        }
      }
    }
    return chargeGenerally(c, r, d);
  }

  /**
   * Whether {@code charge_one} failed because another transaction had the client's lock while it had
   * expired reservations to give back (SQLState 40001 from {@code release_holds}); the transaction is
   * rolled back then, so the charge can go through {@code charge}, which waits for that lock before it
   * locks any row. (A failed retry of the same call could meet the same lock again for as long as the
   * client's reservations keep changing.)
   */
  private static boolean releasingHolds(Connection c, SQLException e) throws SQLException {
    if (!"40001".equals(e.getSQLState())) {
      return false;
    }
    if (!c.getAutoCommit()) {
      c.rollback();
    }
    return true;
  }

  /** A charge through {@code charge}: any windows, mode, key, reservation or operation. */
  private ChargeResult chargeGenerally(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    List<WindowSlot> slots = r.windows();
    int n = slots.size();
    try (PreparedStatement ps = preparePg(c, charge, d)) {
      ps.setString(PostgresCharge.CLIENT.at(), r.clientId());
      setWindows(c, ps, PostgresCharge.POLICIES.at(), slots); // POLICIES, STARTS, ENDS, LIMITS
      ps.setLong(PostgresCharge.CREDITS.at(), r.credits());
      ps.setInt(PostgresCharge.MODE.at(), r.mode().code());
      setNullableString(ps, PostgresCharge.KEY.at(), r.idempotencyKey());
      ps.setLong(PostgresCharge.KEY_EXPIRES.at(), r.idempotencyExpiresAt());
      setNullableString(ps, PostgresCharge.RESERVATION.at(),
          r.mode() == ChargeMode.RESERVE ? r.reservationId() : null);
      ps.setLong(PostgresCharge.RESERVATION_EXPIRES.at(), r.reservationExpiresAt());
      ps.setLong(PostgresCharge.DAY.at(), r.epochDay());
      ps.setLong(PostgresCharge.NOW.at(), r.now());
      setEvent(ps, PostgresCharge.EVENT_ID, PostgresCharge.EVENT_TIME, PostgresCharge.EVENT,
          r.mode() == ChargeMode.CHARGE ? r.event() : null);
      setNullableString(ps, PostgresCharge.OPERATION.at(), r.operation());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("charge function returned no row");
        }
        long[] answered = longs(rs.getArray(ChargeAnswer.USED.at()), n + 2);
        long[] used = Arrays.copyOf(answered, n);
        String reservationId = rs.getString(ChargeAnswer.RESERVATION_ID.at());
        if (rs.getBoolean(ChargeAnswer.REPLAYED.at())) {
          return ChargeResult.replay(used, reservationId, answered[n], answered[n + 1]);
        }
        return ChargeResult.of(rs.getBoolean(ChargeAnswer.GRANTED.at()), used, reservationId);
      }
    }
  }

  /** The windows' policies, starts, ends and limits as four array parameters from {@code first} on. */
  private static void setWindows(Connection c, PreparedStatement ps, int first, List<WindowSlot> slots)
      throws SQLException {
    int n = slots.size();
    String[] policies = new String[n];
    Long[] starts = new Long[n];
    Long[] ends = new Long[n];
    Long[] limits = new Long[n];
    for (int i = 0; i < n; i++) {
      WindowSlot s = slots.get(i);
      policies[i] = s.policy();
      starts[i] = s.start();
      ends[i] = s.end();
      limits[i] = s.limit();
    }
    ps.setArray(first, c.createArrayOf("text", policies));
    ps.setArray(first + 1, c.createArrayOf("bigint", starts));
    ps.setArray(first + 2, c.createArrayOf("bigint", ends));
    ps.setArray(first + 3, c.createArrayOf("bigint", limits));
  }

  /**
   * A statement bounded by what is left of the call's deadline. On a connection {@link Deadline#bound bound}
   * to it, the socket timeout alone: pgjdbc's query timeout is a timer task on the client (scheduled and
   * cancelled on one shared timer per statement) that would fire a second after the socket timeout (see
   * {@link Deadline#seconds}), so after the call has failed; it is set only on connections not bound.
   */
  static PreparedStatement preparePg(Connection c, String sql, Deadline d) throws SQLException {
    d.rebound(c);
    return d.isBound() ? c.prepareStatement(sql) : prepare(c, sql, d.seconds());
  }

  /** A plain charge of one window: scalars in, the count (or -1 minus it when refused) out. */
  private ChargeResult chargeOne(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    try (PreparedStatement ps = preparePg(c, chargeOne, d)) {
      return chargeOne(ps, r);
    }
  }

  @Override
  long settle(Connection c, SettleRequest r, Deadline d) throws SQLException {
    try (PreparedStatement ps = preparePg(c, settle, d)) {
      ps.setString(Settle.CLIENT.at(), r.clientId());
      ps.setString(Settle.RESERVATION.at(), r.reservationId());
      ps.setLong(Settle.ACTUAL.at(), r.actualCredits());
      ps.setLong(Settle.NOW.at(), r.now());
      setEvent(ps, Settle.EVENT_ID, Settle.EVENT_TIME, Settle.EVENT, r.actualCredits() > 0 ? r.event() : null);
      return single(ps);
    }
  }

  @Override
  long[] usage(Connection c, String clientId, List<WindowSlot> windows, long now, Deadline d)
      throws SQLException {
    int n = windows.size();
    String[] policies = new String[n];
    Long[] starts = new Long[n];
    Long[] ends = new Long[n];
    for (int i = 0; i < n; i++) {
      policies[i] = windows.get(i).policy();
      starts[i] = windows.get(i).start();
      ends[i] = windows.get(i).end();
    }
    try (PreparedStatement ps = preparePg(c, usage, d)) {
      ps.setString(1, clientId);
      ps.setArray(2, c.createArrayOf("text", policies));
      ps.setArray(3, c.createArrayOf("bigint", starts));
      ps.setArray(4, c.createArrayOf("bigint", ends));
      ps.setLong(5, now);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return longs(rs.getArray(1), n);
      }
    }
  }

  @Override
  long deleteHistory(Connection c, String clientId, long fromDay, long toDay, Deadline d) throws SQLException {
    try (PreparedStatement ps = preparePg(c, deleteHistory, d)) {
      ps.setString(1, clientId);
      ps.setLong(2, fromDay);
      ps.setLong(3, toDay);
      return single(ps);
    }
  }

  @Override
  long expireReservations(Connection c, long now, int timeoutSeconds) throws SQLException {
    try (PreparedStatement ps = prepare(c, expireAll, timeoutSeconds)) {
      ps.setLong(1, now);
      ps.setInt(2, PURGE_CLIENTS);
      return single(ps);
    }
  }

  @Override
  long deleteBatch(Connection c, String table, String column, long bound, int timeoutSeconds)
      throws SQLException {
    if (table.equals(schema.windows)) {
      try (PreparedStatement ps = prepare(c, purgeWindows, timeoutSeconds)) {
        ps.setLong(1, bound);
        ps.setLong(2, bound);
        return single(ps);
      }
    }
    String sql = "DELETE FROM " + table + " WHERE ctid = ANY (ARRAY(SELECT ctid FROM " + table + " WHERE "
        + column + " <= ? LIMIT " + PURGE_BATCH + ")) AND " + column + " <= ?";
    try (PreparedStatement ps = prepare(c, sql, timeoutSeconds)) {
      ps.setLong(1, bound);
      ps.setLong(2, bound);
      return ps.executeUpdate();
    }
  }

  @Override
  boolean hasClientTable() {
    return false;
  }

  private static long[] longs(@Nullable Array array, int n) throws SQLException {
    long[] result = new long[n];
    if (array == null) {
      return result;
    }
    Object[] values = (Object[]) array.getArray();
    for (int i = 0; i < n && i < values.length; i++) {
      result[i] = ((Number) values[i]).longValue();
    }
    return result;
  }
}
