package dev.apibilling.jdbc;

import dev.apibilling.Requirements;
import dev.apibilling.jdbc.Protocol.ChargeAnswer;
import dev.apibilling.jdbc.Protocol.ChargeOne;
import dev.apibilling.jdbc.Protocol.MariaDbCharge;
import dev.apibilling.jdbc.Protocol.Settle;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * MariaDB: a decision and a settlement are each one {@code CALL} of a stored procedure of the schema
 * (one statement, one round trip): {@code charge_one} for a plain charge of one window, which locks only
 * its window's row, else {@code charge}, whose transaction locks the client's row first where it changes
 * reservations or idempotency keys, like the {@link LockingOperations} it inherits reads, history and
 * purges from; its purge of windows first moves their day buckets into the daily rows.
 */
final class MariaDbOperations extends LockingOperations {

  private static final Comparator<WindowSlot> LOCK_ORDER = Comparator
      .comparing((WindowSlot w) -> w.policy().getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned)
      .thenComparingLong(WindowSlot::start);

  private final String charge;
  private final String chargeOne;
  private final String settle;
  private final String lockExpiredBuckets;
  private final String moveBucket;
  private final String clearBucket;
  private final String deleteExpiredWindows;

  MariaDbOperations(Schema schema) {
    super(schema, JdbcDialect.MARIADB);
    this.charge = "CALL " + Protocol.invocation(schema.prefix + "charge", MariaDbCharge.class);
    this.chargeOne = "CALL " + Protocol.invocation(schema.prefix + "charge_one", ChargeOne.class);
    this.settle = "CALL " + Protocol.invocation(schema.prefix + "settle", Settle.class);
    this.lockExpiredBuckets = "SELECT client_id, policy, window_start, bucket_day, bucket_credits FROM "
        + schema.windows + " WHERE window_end <= ? AND bucket_credits <> 0 LIMIT " + PURGE_BATCH + " FOR UPDATE";
    this.moveBucket = "INSERT INTO " + schema.daily + " (client_id, epoch_day, credits) VALUES (?, ?, ?)"
        + " ON DUPLICATE KEY UPDATE credits = LEAST(" + Requirements.MAX_CREDITS + ", credits + VALUES(credits))";
    this.clearBucket = "UPDATE " + schema.windows + " SET bucket_credits = 0"
        + " WHERE client_id = ? AND policy = ? AND window_start = ?";
    this.deleteExpiredWindows = "DELETE FROM " + schema.windows + " WHERE window_end <= ? AND bucket_credits = 0 "
        + "LIMIT " + PURGE_BATCH;
  }

  @Override
  ChargeResult charge(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    if (isPlainOne(r)) {
      try (PreparedStatement ps = prepare(c, chargeOne, d)) {
        return chargeOne(ps, r);
      }
    }
    boolean reserve = r.mode() == ChargeMode.RESERVE;
    try (PreparedStatement ps = prepare(c, charge, d)) {
      ps.setString(MariaDbCharge.CLIENT.at(), r.clientId());
      int[] order = lockOrder(r.windows());
      List<WindowSlot> sorted = new ArrayList<>(order.length);
      for (int i : order) {
        sorted.add(r.windows().get(i));
      }
      ps.setString(MariaDbCharge.WINDOWS.at(), Slots.encode(sorted));
      ps.setLong(MariaDbCharge.CREDITS.at(), r.credits());
      ps.setInt(MariaDbCharge.MODE.at(), r.mode().code());
      if (r.idempotencyKey() == null) {
        ps.setNull(MariaDbCharge.KEY.at(), Types.VARBINARY);
      } else {
        ps.setString(MariaDbCharge.KEY.at(), r.idempotencyKey());
      }
      ps.setLong(MariaDbCharge.KEY_EXPIRES.at(), r.idempotencyExpiresAt());
      if (reserve) {
        ps.setString(MariaDbCharge.RESERVATION.at(), r.reservationId());
      } else {
        ps.setNull(MariaDbCharge.RESERVATION.at(), Types.VARBINARY);
      }
      ps.setLong(MariaDbCharge.RESERVATION_EXPIRES.at(), r.reservationExpiresAt());
      ps.setLong(MariaDbCharge.DAY.at(), r.epochDay());
      ps.setLong(MariaDbCharge.NOW.at(), r.now());
      setEvent(ps, MariaDbCharge.EVENT_ID, MariaDbCharge.EVENT_TIME, MariaDbCharge.EVENT,
          r.mode() == ChargeMode.CHARGE ? r.event() : null);
      if (r.operation() == null) {
        ps.setNull(MariaDbCharge.OPERATION.at(), Types.VARBINARY);
      } else {
        ps.setString(MariaDbCharge.OPERATION.at(), r.operation());
      }
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("charge procedure answered no row");
        }
        int n = r.windows().size();
        long[] answered = Slots.decodeUsed(rs.getString(ChargeAnswer.USED.at()));
        long[] used = new long[n];
        for (int k = 0; k < n; k++) {
          used[order[k]] = answered[k];  // back in the request's order
        }
        String reservationId = rs.getString(ChargeAnswer.RESERVATION_ID.at());
        if (rs.getBoolean(ChargeAnswer.REPLAYED.at())) {
          // a replay of a reservation answers its held credits and expiry after the counts
          return ChargeResult.replay(used, reservationId, answered.length > n ? answered[n] : 0,
              answered.length > n + 1 ? answered[n + 1] : r.now());
        }
        return ChargeResult.of(rs.getBoolean(ChargeAnswer.GRANTED.at()), used, reservationId);
      }
    }
  }

  @Override
  long settle(Connection c, SettleRequest r, Deadline d) throws SQLException {
    try (PreparedStatement ps = prepare(c, settle, d)) {
      ps.setString(Settle.CLIENT.at(), r.clientId());
      ps.setString(Settle.RESERVATION.at(), r.reservationId());
      ps.setLong(Settle.ACTUAL.at(), r.actualCredits());
      ps.setLong(Settle.NOW.at(), r.now());
      setEvent(ps, Settle.EVENT_ID, Settle.EVENT_TIME, Settle.EVENT, r.actualCredits() > 0 ? r.event() : null);
      return single(ps);
    }
  }

  /**
   * Deletes up to {@link #PURGE_BATCH} rows of {@code table} whose {@code column <= bound}. Windows first give
   * their day buckets to the daily rows, in one transaction that locks the window rows, then writes the
   * daily rows in (client, day) order, the order every routine takes them in; only windows whose bucket is
   * empty are deleted, so credits a late charge puts in a bucket meanwhile wait for the next purge.
   */
  @Override
  long deleteBatch(Connection c, String table, String column, long bound, int timeoutSeconds)
      throws SQLException {
    if (!table.equals(schema.windows)) {
      return super.deleteBatch(c, table, column, bound, timeoutSeconds);
    }
    inTransaction(c, () -> moveBuckets(c, bound, timeoutSeconds));
    try (PreparedStatement ps = prepare(c, deleteExpiredWindows, timeoutSeconds)) {
      ps.setLong(1, bound);
      return ps.executeUpdate();
    }
  }

  /** Moves the day buckets of up to {@link #PURGE_BATCH} windows that ended by {@code bound}. */
  private long moveBuckets(Connection c, long bound, int timeoutSeconds) throws SQLException {
    Map<String, Map<Long, Long>> credits = new TreeMap<>();
    try (PreparedStatement lock = prepare(c, lockExpiredBuckets, timeoutSeconds);
        PreparedStatement clear = prepare(c, clearBucket, timeoutSeconds)) {
      lock.setLong(1, bound);
      try (ResultSet rs = lock.executeQuery()) {
        while (rs.next()) {
          credits.computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
              .merge(rs.getLong(4), rs.getLong(5), (a, b) -> Math.min(Requirements.MAX_CREDITS, a + b));
          clear.setString(1, rs.getString(1));
          clear.setString(2, rs.getString(2));
          clear.setLong(3, rs.getLong(3));
          clear.addBatch();
        }
      }
      if (credits.isEmpty()) {
        return 0;
      }
      clear.executeBatch();
    }
    try (PreparedStatement move = prepare(c, moveBucket, timeoutSeconds)) {
      for (Map.Entry<String, Map<Long, Long>> client : credits.entrySet()) {
        for (Map.Entry<Long, Long> day : client.getValue().entrySet()) {
          move.setString(1, client.getKey());
          move.setLong(2, day.getKey());
          move.setLong(3, day.getValue());
          move.addBatch();
        }
      }
      move.executeBatch();
    }
    return credits.size();
  }

  /**
   * The positions of the windows in the order every routine locks window rows in: as the table's primary
   * key sorts them (policy as UTF-8 bytes, then start). The procedures get the windows, and record a
   * reservation's, in this order, so a client's windows are always locked in one order.
   */
  private static int[] lockOrder(List<WindowSlot> windows) {
    return IntStream.range(0, windows.size()).boxed()
        .sorted(Comparator.comparing(windows::get, LOCK_ORDER)).mapToInt(Integer::intValue).toArray();
  }
}
