package dev.apibilling.jdbc;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB: a decision and a settlement are each one {@code CALL} of a stored procedure of the schema
 * (one statement, one round trip), whose transaction locks the client's row first, like the
 * {@link LockingOperations} it inherits reads, history and purges from.
 */
final class MariaDbOperations extends LockingOperations {

  private final String charge;
  private final String settle;

  MariaDbOperations(Schema schema) {
    super(schema, JdbcDialect.MARIADB);
    this.charge = "CALL " + schema.prefix + "charge(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.settle = "CALL " + schema.prefix + "settle(?, ?, ?, ?, ?, ?, ?)";
  }

  @Override
  ChargeResult charge(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    boolean reserve = r.mode() == ChargeMode.RESERVE;
    try (PreparedStatement ps = prepare(c, charge, d)) {
      ps.setString(1, r.clientId());
      ps.setString(2, Slots.encode(r.windows()));
      ps.setLong(3, r.credits());
      ps.setInt(4, r.mode().code());
      if (r.idempotencyKey() == null) {
        ps.setNull(5, Types.VARBINARY);
      } else {
        ps.setString(5, r.idempotencyKey());
      }
      ps.setLong(6, r.idempotencyExpiresAt());
      if (reserve) {
        ps.setString(7, r.reservationId());
      } else {
        ps.setNull(7, Types.VARBINARY);
      }
      ps.setLong(8, r.reservationExpiresAt());
      ps.setLong(9, r.epochDay());
      ps.setLong(10, r.now());
      setEvent(ps, 11, r.mode() == ChargeMode.CHARGE ? r.event() : null);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("charge procedure answered no row");
        }
        int n = r.windows().size();
        long[] answered = Slots.decodeUsed(rs.getString(3));
        long[] used = java.util.Arrays.copyOf(answered, n);
        String reservationId = rs.getString(4);
        if (rs.getBoolean(2)) {
          // a replay of a reservation answers its held credits and expiry after the counts
          return ChargeResult.replay(used, reservationId, answered.length > n ? answered[n] : 0,
              answered.length > n + 1 ? answered[n + 1] : r.now());
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
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("settle procedure answered no row");
        }
        return rs.getLong(1);
      }
    }
  }

  /** Binds a usage event's id, time and payload to three parameters from {@code at} (NULLs for none). */
  private static void setEvent(PreparedStatement ps, int at, @Nullable EventRecord event) throws SQLException {
    if (event == null) {
      ps.setNull(at, Types.VARBINARY);
      ps.setLong(at + 1, 0);
      ps.setNull(at + 2, Types.VARCHAR);
    } else {
      ps.setString(at, event.id());
      ps.setLong(at + 1, event.time());
      ps.setString(at + 2, event.payload());
    }
  }
}
