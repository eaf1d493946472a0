package dev.apibilling.jdbc;

import dev.apibilling.Requirements;
import dev.apibilling.jdbc.Protocol.ChargeOne;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** How one dialect runs the store's operations on a connection it is handed (autocommit on). */
abstract class Operations {

  /** At most this many rows are deleted by one purge statement, to keep its transaction short. */
  static final int PURGE_BATCH = 10_000;

  /** At most this many clients get their expired reservations released by one purge round. */
  static final int PURGE_CLIENTS = 100;

  final Schema schema;
  private final String selectHistory;
  private final int historyRanges;
  private final String selectOperationHistory;

  /** Operations whose history is the daily table's rows. */
  Operations(Schema schema) {
    this(schema, historyOfDailyRows(schema));
  }

  /** A history of the daily table's rows alone. */
  static String historyOfDailyRows(Schema schema) {
    return "SELECT epoch_day, credits FROM " + schema.daily
        + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ? AND credits <> 0 ORDER BY epoch_day";
  }

  /** A history where a day's total is its daily row plus the buckets of that day in the client's windows. */
  static String historyWithBuckets(Schema schema) {
    return "SELECT epoch_day, LEAST(" + Requirements.MAX_CREDITS + ", SUM(credits)) FROM ("
        + "SELECT epoch_day, credits FROM " + schema.daily + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ?"
        + " UNION ALL SELECT bucket_day, bucket_credits FROM " + schema.windows
        + " WHERE client_id = ? AND bucket_day BETWEEN ? AND ? AND bucket_credits <> 0) t"
        + " GROUP BY epoch_day HAVING SUM(credits) <> 0 ORDER BY epoch_day";
  }

  /**
   * Operations whose history is read by {@code selectHistory}: rows of (epoch day, credits other than zero)
   * in day order, its parameters one or more times (client id, first day, last day).
   */
  Operations(Schema schema, String selectHistory) {
    this.schema = schema;
    this.selectHistory = selectHistory;
    this.historyRanges = (int) selectHistory.chars().filter(ch -> ch == '?').count() / 3;
    this.selectOperationHistory = "SELECT epoch_day, credits FROM " + schema.operationDaily
        + " WHERE client_id = ? AND operation = ? AND epoch_day BETWEEN ? AND ? AND credits <> 0 ORDER BY epoch_day";
  }

  abstract ChargeResult charge(Connection c, ChargeRequest request, Deadline d) throws SQLException;

  /**
   * Settles a reservation if {@code actualCredits} does not exceed it.
   *
   * @return -1 if there is no such reservation, else the credits it held
   */
  abstract long settle(Connection c, SettleRequest request, Deadline d) throws SQLException;

  abstract long[] usage(Connection c, String clientId, List<WindowSlot> windows, long now, Deadline d)
      throws SQLException;

  abstract long deleteHistory(Connection c, String clientId, long fromDay, long toDay, Deadline d)
      throws SQLException;

  /** Releases the expired reservations of up to {@link #PURGE_CLIENTS} clients; returns how many. */
  abstract long expireReservations(Connection c, long now, int timeoutSeconds) throws SQLException;

  /** Deletes up to {@link #PURGE_BATCH} rows of {@code table} whose {@code column <= bound}. */
  abstract long deleteBatch(Connection c, String table, String column, long bound, int timeoutSeconds)
      throws SQLException;

  /** Whether this dialect keeps a row per client as its lock. */
  abstract boolean hasClientTable();

  List<DayTotal> history(Connection c, String clientId, long fromDay, long toDay, Deadline d)
      throws SQLException {
    List<DayTotal> result = new ArrayList<>();
    try (PreparedStatement ps = prepare(c, selectHistory, d)) {
      for (int at = 1; at < 3 * historyRanges; at += 3) {
        ps.setString(at, clientId);
        ps.setLong(at + 1, fromDay);
        ps.setLong(at + 2, toDay);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new DayTotal(rs.getLong(1), rs.getLong(2)));
        }
      }
    }
    return result;
  }

  /** The daily totals of one operation of the client: the operation daily table's rows, on every dialect. */
  List<DayTotal> history(Connection c, String clientId, String operation, long fromDay, long toDay, Deadline d)
      throws SQLException {
    List<DayTotal> result = new ArrayList<>();
    try (PreparedStatement ps = prepare(c, selectOperationHistory, d)) {
      ps.setString(1, clientId);
      ps.setString(2, operation);
      ps.setLong(3, fromDay);
      ps.setLong(4, toDay);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new DayTotal(rs.getLong(1), rs.getLong(2)));
        }
      }
    }
    return result;
  }

  /** Whether {@code charge_one} takes the charge: a plain charge of one window of no operation. */
  static boolean isPlainOne(ChargeRequest r) {
    return r.windows().size() == 1 && isPlain(r);
  }

  /** A plain charge: no idempotency key, no reservation, no operation. */
  static boolean isPlain(ChargeRequest r) {
    return r.mode() == ChargeMode.CHARGE && r.idempotencyKey() == null && r.operation() == null;
  }

  /**
   * Binds a plain charge of one window to {@code charge_one}'s parameters ({@link ChargeOne}, the same on
   * PostgreSQL and MariaDB), runs it and reads its answer: the window's count, or -1 minus it when refused.
   */
  static ChargeResult chargeOne(PreparedStatement ps, ChargeRequest r) throws SQLException {
    WindowSlot w = r.windows().get(0);
    ps.setString(ChargeOne.CLIENT.at(), r.clientId());
    ps.setString(ChargeOne.POLICY.at(), w.policy());
    ps.setLong(ChargeOne.START.at(), w.start());
    ps.setLong(ChargeOne.END.at(), w.end());
    ps.setLong(ChargeOne.LIMIT.at(), w.limit());
    ps.setLong(ChargeOne.CREDITS.at(), r.credits());
    ps.setLong(ChargeOne.DAY.at(), r.epochDay());
    ps.setLong(ChargeOne.NOW.at(), r.now());
    setEvent(ps, ChargeOne.EVENT_ID, ChargeOne.EVENT_TIME, ChargeOne.EVENT, r.event());
    return plainOneResult(single(ps));
  }

  /** The result of {@code charge_one}'s answer: the window's count, or -1 minus it when refused. */
  static ChargeResult plainOneResult(long answer) {
    return answer < 0 ? ChargeResult.of(false, new long[] {-1 - answer}, null)
        : ChargeResult.of(true, new long[] {answer}, null);
  }

  /** The first column of the first row {@code ps} answers. */
  static long single(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the routine answered no row");
      }
      return rs.getLong(1);
    }
  }

  /** Binds a usage event's id, time and payload to their slots (NULLs for none). */
  static void setEvent(PreparedStatement ps, Protocol.Slot id, Protocol.Slot time, Protocol.Slot payload,
      @Nullable EventRecord event) throws SQLException {
    setNullableString(ps, id.at(), event == null ? null : event.id());
    ps.setLong(time.at(), event == null ? 0 : event.time());
    setNullableString(ps, payload.at(), event == null ? null : event.payload());
  }

  static void setNullableString(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }

  /**
   * A statement bounded by what is left of the call's deadline: on a connection bound to the deadline its
   * socket timeout is shortened to what is left too, so a call of several statements (MySQL, H2) ends at
   * the deadline, not one timeout per statement later.
   */
  static PreparedStatement prepare(Connection c, String sql, Deadline d) throws SQLException {
    d.rebound(c);
    return prepare(c, sql, d.seconds());
  }

  static PreparedStatement prepare(Connection c, String sql, int timeoutSeconds) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      ps.setQueryTimeout(timeoutSeconds);
    } catch (SQLException | RuntimeException e) {
      ps.close();
      throw e;
    }
    return ps;
  }

  /** Runs {@code body} in one transaction on {@code c}, committing it, or rolling back on any failure. */
  static <T> T inTransaction(Connection c, SqlBody<T> body) throws SQLException {
    boolean auto = c.getAutoCommit();
    if (auto) {
      c.setAutoCommit(false);
    }
    try {
      T result = body.run();
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      throw e;
    } finally {
      if (auto) {
        try {
          c.setAutoCommit(true);
        } catch (SQLException ignored) {
          // the connection is broken; the pool discards it
        }
      }
    }
  }

  /** A unit of work on a connection. */
  @FunctionalInterface
  interface SqlBody<T> {
    T run() throws SQLException;
  }
}
