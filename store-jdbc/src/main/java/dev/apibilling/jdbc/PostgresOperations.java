package dev.apibilling.jdbc;

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
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL: every operation is one statement calling a PL/pgSQL function of the schema, so a decision
 * is one statement, one transaction (autocommit) and one round trip.
 */
final class PostgresOperations extends Operations {

  private final String charge;
  private final String settle;
  private final String usage;
  private final String deleteHistory;
  private final String expireAll;

  PostgresOperations(Schema schema) {
    super(schema);
    String p = schema.prefix;
    this.charge = "SELECT granted, replayed, used, reservation_id FROM " + p
        + "charge(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.settle = "SELECT " + p + "settle(?, ?, ?, ?, ?, ?, ?)";
    this.usage = "SELECT " + p + "usage(?, ?, ?, ?, ?)";
    this.deleteHistory = "SELECT " + p + "delete_history(?, ?, ?)";
    this.expireAll = "SELECT " + p + "expire_all_reservations(?, ?)";
  }

  @Override
  ChargeResult charge(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    List<WindowSlot> slots = r.windows();
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
    try (PreparedStatement ps = prepare(c, charge, d)) {
      ps.setString(1, r.clientId());
      ps.setArray(2, c.createArrayOf("text", policies));
      ps.setArray(3, c.createArrayOf("bigint", starts));
      ps.setArray(4, c.createArrayOf("bigint", ends));
      ps.setArray(5, c.createArrayOf("bigint", limits));
      ps.setLong(6, r.credits());
      ps.setInt(7, r.mode().code());
      setNullableString(ps, 8, r.idempotencyKey());
      ps.setLong(9, r.idempotencyExpiresAt());
      setNullableString(ps, 10, r.mode() == ChargeMode.RESERVE ? r.reservationId() : null);
      ps.setLong(11, r.reservationExpiresAt());
      ps.setLong(12, r.epochDay());
      ps.setLong(13, r.now());
      setEvent(ps, 14, r.mode() == ChargeMode.CHARGE ? r.event() : null);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("charge function returned no row");
        }
        long[] answered = longs(rs.getArray(3), n + 2);
        long[] used = java.util.Arrays.copyOf(answered, n);
        String reservationId = rs.getString(4);
        if (rs.getBoolean(2)) {
          return ChargeResult.replay(used, reservationId, answered[n], answered[n + 1]);
        }
        return ChargeResult.of(rs.getBoolean(1), used, reservationId);
      }
    }
  }

  @Override
  long settle(Connection c, SettleRequest r, Deadline d) throws SQLException {
    try (PreparedStatement ps = prepare(c, settle, d)) {
      ps.setString(1, r.clientId());
      ps.setString(2, r.reservationId());
      ps.setLong(3, r.actualCredits());
      ps.setLong(4, r.now());
      setEvent(ps, 5, r.actualCredits() > 0 ? r.event() : null);
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
    try (PreparedStatement ps = prepare(c, usage, d)) {
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
    try (PreparedStatement ps = prepare(c, deleteHistory, d)) {
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

  private static long single(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }


  /** Binds a usage event's id, time and payload to three parameters from {@code at} (NULLs for none). */
  private static void setEvent(PreparedStatement ps, int at, @Nullable EventRecord event) throws SQLException {
    setNullableString(ps, at, event == null ? null : event.id());
    ps.setLong(at + 1, event == null ? 0 : event.time());
    setNullableString(ps, at + 2, event == null ? null : event.payload());
  }

  private static void setNullableString(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
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
