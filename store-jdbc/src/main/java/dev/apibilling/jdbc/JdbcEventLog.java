package dev.apibilling.jdbc;

import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The usage events of a {@link JdbcUsageStore}, in its {@code events} table. A claim is one short
 * transaction: select the oldest claimable rows {@code FOR UPDATE SKIP LOCKED} (so concurrent exporters
 * take different rows without waiting; H2 lacks SKIP LOCKED, so there they wait for each other), then stamp
 * them with the claimer and the lease end, both judged by the caller's clock.
 */
final class JdbcEventLog implements UsageEventLog {

  private static final String COLUMNS = "seq, client_id, event_id, event_time, payload";

  private final JdbcUsageStore store;
  private final Schema schema;
  private final String selectClaimable;
  private final String selectClient;
  private final String countUndelivered;
  private final boolean postgres;
  private final String claimReturning;
  private final String deliveredAny;

  JdbcEventLog(JdbcUsageStore store, Schema schema, JdbcDialect dialect) {
    this.store = store;
    this.schema = schema;
    this.selectClaimable = "SELECT " + COLUMNS + " FROM " + schema.events
        + " WHERE delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)"
        + " ORDER BY seq LIMIT ? FOR UPDATE" + (dialect == JdbcDialect.H2 ? "" : " SKIP LOCKED");
    this.selectClient = "SELECT " + COLUMNS + " FROM " + schema.events
        + " WHERE client_id = ? AND seq > ? AND event_time >= ? AND event_time < ? ORDER BY seq LIMIT ?";
    this.countUndelivered = "SELECT COUNT(*) FROM " + schema.events + " WHERE delivered_at IS NULL";
    this.postgres = dialect == JdbcDialect.POSTGRESQL;
    // PostgreSQL: the claim and the mark are one statement each (UPDATE ... RETURNING, = ANY(array))
    // (= ANY (ARRAY(...)) makes the planner look the claimed rows up by key instead of joining the table)
    this.claimReturning = "UPDATE " + schema.events + " SET claimed_by = ?, claimed_until = ? WHERE seq = ANY"
        + " (ARRAY(SELECT seq FROM " + schema.events + " WHERE delivered_at IS NULL AND (claimed_until IS NULL OR"
        + " claimed_until <= ?) ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED)) RETURNING " + COLUMNS;
    this.deliveredAny = "UPDATE " + schema.events + " SET delivered_at = ? WHERE seq = ANY (?)";
  }

  @Override
  public List<StoredEvent> claim(String consumer, int max, long now, long leaseMillis) {
    if (postgres) {
      return store.call("claim usage events", (c, d) -> {
        try (PreparedStatement ps = Operations.prepare(c, claimReturning, d)) {
          ps.setString(1, consumer);
          ps.setLong(2, now + leaseMillis);
          ps.setLong(3, now);
          ps.setInt(4, max);
          List<StoredEvent> claimed = read(ps);
          claimed.sort(Comparator.comparingLong(e -> Long.parseLong(e.position())));
          return claimed;
        }
      });
    }
    return store.call("claim usage events", (c, d) -> Operations.inTransaction(c, () -> {
      List<StoredEvent> claimed;
      try (PreparedStatement ps = Operations.prepare(c, selectClaimable, d)) {
        ps.setLong(1, now);
        ps.setInt(2, max);
        claimed = read(ps);
      }
      if (!claimed.isEmpty()) {
        stamp(c, "UPDATE " + schema.events + " SET claimed_by = ?, claimed_until = ? WHERE seq IN ",
            claimed, d, consumer, now + leaseMillis);
      }
      return claimed;
    }));
  }

  @Override
  public void markDelivered(String consumer, List<StoredEvent> events, long now) {
    if (events.isEmpty()) {
      return;
    }
    store.call("mark usage events delivered", (c, d) -> {
      if (postgres) {
        try (PreparedStatement ps = Operations.prepare(c, deliveredAny, d)) {
          ps.setLong(1, now);
          ps.setArray(2, c.createArrayOf("bigint",
              events.stream().map(e -> Long.valueOf(e.position())).toArray(Long[]::new)));
          ps.executeUpdate();
        }
        return null;
      }
      stamp(c, "UPDATE " + schema.events + " SET delivered_at = ? WHERE seq IN ", events, d, now);
      return null;
    });
  }

  @Override
  public List<StoredEvent> events(String clientId, long from, long to, @Nullable String after, int limit) {
    return store.call("read usage events", (c, d) -> {
      try (PreparedStatement ps = Operations.prepare(c, selectClient, d)) {
        ps.setString(1, clientId);
        ps.setLong(2, after == null ? 0 : Long.parseLong(after));
        ps.setLong(3, from);
        ps.setLong(4, to);
        ps.setInt(5, limit);
        return read(ps);
      }
    });
  }

  @Override
  public long undelivered() {
    return store.call("count undelivered usage events", (c, d) -> {
      try (PreparedStatement ps = Operations.prepare(c, countUndelivered, d); ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Override
  public long purgeDelivered(long deliveredBefore) {
    return store.purgeEvents(deliveredBefore);
  }

  /** Runs {@code sql + "(?, ..., ?)"} with {@code values} first, then the events' sequence numbers. */
  private static void stamp(Connection c, String sql, List<StoredEvent> events, Deadline d, Object... values)
      throws SQLException {
    String in = "(" + String.join(", ", Collections.nCopies(events.size(), "?")) + ")";
    try (PreparedStatement ps = Operations.prepare(c, sql + in, d)) {
      int i = 1;
      for (Object v : values) {
        ps.setObject(i++, v);
      }
      for (StoredEvent e : events) {
        ps.setLong(i++, Long.parseLong(e.position()));
      }
      ps.executeUpdate();
    }
  }

  private static List<StoredEvent> read(PreparedStatement ps) throws SQLException {
    List<StoredEvent> events = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        events.add(new StoredEvent(Long.toString(rs.getLong(1)), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getString(5)));
      }
    }
    return events;
  }
}
