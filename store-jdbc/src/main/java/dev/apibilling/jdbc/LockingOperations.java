package dev.apibilling.jdbc;

import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.WindowSlot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * MySQL and H2 (and MariaDB's reads, purges and history): each change is a short transaction that first locks the client's row in the
 * clients table ({@code SELECT ... FOR UPDATE}, inserted on a client's first call), then reads and
 * writes that client's rows with plain statements. The one lock per client, always taken first, is what
 * makes read-modify-write safe and deadlock-free; a lost race to create the client row (or a deadlock
 * the database reports) rolls back and is retried by the store.
 */
class LockingOperations extends Operations {

  /** How stale a client row's {@code touched_at} may get before a call refreshes it (for the purge). */
  static final long TOUCH_INTERVAL_MILLIS = 3_600_000L;

  /** A {@code now} for {@link #lockClient} of calls that carry no time (deleting history). */
  private static final long UNKNOWN_TIME = Long.MIN_VALUE;

  private static final int CACHED_WINDOW_QUERIES = 8;

  private final JdbcDialect dialect;
  /** Whether window rows keep day buckets (MariaDB's charge_one; mariadb.sql, "Daily totals"). */
  private final boolean buckets;
  private final @Nullable String lockBuckets;
  private final @Nullable String clearBuckets;
  private final String lockClient;
  private final String insertClient;
  private final String touchClient;
  private final String selectKey;
  private final String deleteKey;
  private final String insertKey;
  private final String selectExpired;
  private final String forgetKey;
  private final String countDays;
  private final String countExpired;
  private final String deleteExpired;
  private final String selectReservation;
  private final String deleteReservation;
  private final String insertReservation;
  private final String addWindow;
  private final String keepWindow;
  private final String selectHeld;
  private final String insertWindow;
  private final String lockWindows;
  private final String releaseWindow;
  private final String addDaily;
  private final String insertDaily;
  private final String addOperationDaily;
  private final String insertOperationDaily;
  private final String deleteOperationDays;
  private final String insertEvent;
  private final String deleteDays;
  private final String expiredClients;
  private final String[] readWindows = new String[CACHED_WINDOW_QUERIES + 1];
  private final String[] usageQueries = new String[CACHED_WINDOW_QUERIES + 1];

  LockingOperations(Schema s, JdbcDialect dialect) {
    super(s, dialect == JdbcDialect.MARIADB ? historyWithBuckets(s) : historyOfDailyRows(s));
    this.dialect = dialect;
    this.buckets = dialect == JdbcDialect.MARIADB;
    String ofDays = " WHERE client_id = ? AND bucket_day BETWEEN ? AND ? AND bucket_credits <> 0";
    String bucketsOfDays = " FROM " + s.windows + ofDays;
    this.lockBuckets = buckets ? "SELECT policy" + bucketsOfDays + " ORDER BY policy, window_start FOR UPDATE" : null;
    this.clearBuckets = buckets ? "UPDATE " + s.windows + " SET bucket_credits = 0" + ofDays : null;
    this.lockClient = "SELECT touched_at FROM " + s.clients + " WHERE client_id = ? FOR UPDATE";
    this.insertClient = "INSERT INTO " + s.clients + " (client_id, touched_at) VALUES (?, ?)";
    this.touchClient = "UPDATE " + s.clients + " SET touched_at = ? WHERE client_id = ?";
    this.selectKey = "SELECT used, reservation_id, expires_at FROM " + s.idempotency
        + " WHERE client_id = ? AND idem_key = ?";
    this.deleteKey = "DELETE FROM " + s.idempotency + " WHERE client_id = ? AND idem_key = ?";
    this.insertKey = "INSERT INTO " + s.idempotency
        + " (client_id, idem_key, used, reservation_id, expires_at) VALUES (?, ?, ?, ?, ?)";
    this.selectExpired = "SELECT credits, epoch_day, slots, reservation_id, idem_key, operation FROM "
        + s.reservations + " WHERE client_id = ? AND expires_at <= ?";
    this.forgetKey = "DELETE FROM " + s.idempotency
        + " WHERE client_id = ? AND idem_key = ? AND reservation_id = ?";
    // a day's total is never negative: it is not zero when its row's credits or a bucket of it are not
    this.countDays = buckets
        ? "SELECT COUNT(DISTINCT epoch_day) FROM (SELECT epoch_day FROM " + s.daily
            + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ? AND credits <> 0 UNION ALL SELECT bucket_day"
            + bucketsOfDays + ") t"
        : "SELECT COUNT(*) FROM " + s.daily + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ? AND credits <> 0";
    this.countExpired = "SELECT -1 AS i, COUNT(*) AS used, 0 AS window_end FROM " + s.reservations
        + " WHERE client_id = ? AND expires_at <= ?";
    this.deleteExpired = "DELETE FROM " + s.reservations + " WHERE client_id = ? AND expires_at <= ?";
    this.selectReservation = "SELECT credits, epoch_day, slots, idem_key, operation FROM " + s.reservations
        + " WHERE client_id = ? AND reservation_id = ?";
    this.deleteReservation = "DELETE FROM " + s.reservations + " WHERE client_id = ? AND reservation_id = ?";
    this.insertReservation = "INSERT INTO " + s.reservations
        + " (client_id, reservation_id, credits, epoch_day, slots, expires_at, idem_key, operation)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    this.addWindow = "UPDATE " + s.windows + " SET used = LEAST(" + Requirements.MAX_CREDITS + ", used + ?),"
        + " window_end = GREATEST(window_end, ?) WHERE client_id = ? AND policy = ? AND window_start = ?";
    this.keepWindow = "UPDATE " + s.windows + " SET window_end = ?"
        + " WHERE client_id = ? AND policy = ? AND window_start = ? AND window_end < ?";
    this.selectHeld = "SELECT credits, expires_at FROM " + s.reservations
        + " WHERE client_id = ? AND reservation_id = ?";
    this.insertWindow = "INSERT INTO " + s.windows
        + " (client_id, policy, window_start, window_end, used) VALUES (?, ?, ?, ?, ?)";
    this.lockWindows = "SELECT policy FROM " + s.windows + " WHERE client_id = ? ORDER BY policy, window_start FOR UPDATE";
    this.releaseWindow = "UPDATE " + s.windows + " SET used = GREATEST(0, used - ?)"
        + " WHERE client_id = ? AND policy = ? AND window_start = ?";
    this.addDaily = "UPDATE " + s.daily + " SET credits = LEAST(" + Requirements.MAX_CREDITS
        + ", GREATEST(0, credits + ?)) WHERE client_id = ? AND epoch_day = ?";
    this.insertDaily = "INSERT INTO " + s.daily + " (client_id, epoch_day, credits) VALUES (?, ?, ?)";
    this.addOperationDaily = "UPDATE " + s.operationDaily + " SET credits = LEAST(" + Requirements.MAX_CREDITS
        + ", GREATEST(0, credits + ?)) WHERE client_id = ? AND operation = ? AND epoch_day = ?";
    this.insertOperationDaily = "INSERT INTO " + s.operationDaily
        + " (client_id, operation, epoch_day, credits) VALUES (?, ?, ?, ?)";
    this.deleteOperationDays = "DELETE FROM " + s.operationDaily
        + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ?";
    this.insertEvent = "INSERT INTO " + s.events + " (client_id, event_id, event_time, payload) VALUES (?, ?, ?, ?)";
    this.deleteDays = "DELETE FROM " + s.daily + " WHERE client_id = ? AND epoch_day BETWEEN ? AND ?";
    this.expiredClients = "SELECT DISTINCT client_id FROM " + s.reservations
        + " WHERE expires_at <= ? ORDER BY client_id " + limit(PURGE_CLIENTS);
    usageQueries[0] = countExpired;
    for (int n = 1; n <= CACHED_WINDOW_QUERIES; n++) {
      readWindows[n] = readWindowsSql(n);
      usageQueries[n] = countExpired + " UNION ALL " + readWindows[n];
    }
  }

  @Override
  ChargeResult charge(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    return inTransaction(c, () -> chargeLocked(c, r, d));
  }

  private ChargeResult chargeLocked(Connection c, ChargeRequest r, Deadline d) throws SQLException {
    String client = r.clientId();
    long now = r.now();
    lockClient(c, client, now, d);
    expireReservations(c, client, now, d);
    String key = r.idempotencyKey();
    boolean replay = false;
    @Nullable String replayedReservation = null;
    if (key != null) {
      boolean stale = false;
      try (PreparedStatement ps = prepare(c, selectKey, d)) {
        ps.setString(1, client);
        ps.setString(2, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            replayedReservation = rs.getString(2);
            replay = rs.getLong(3) > now;
            stale = !replay;
          }
        }
      }
      if (stale) {
        update(c, deleteKey, d, client, key);
      }
    }
    List<WindowSlot> slots = r.windows();
    int n = slots.size();
    long[] used = new long[n];
    boolean[] exists = new boolean[n];
    readWindows(c, client, slots, used, exists, d);
    if (replay) {
      return replay(c, client, used, replayedReservation, now, d);
    }
    if (!r.admits(used)) {
      return ChargeResult.of(false, used, null);
    }
    if (r.mode() == ChargeMode.CHECK) {
      return ChargeResult.of(true, used, null);
    }
    long credits = r.credits();
    for (int i = 0; i < n; i++) {
      WindowSlot s = slots.get(i);
      if (!exists[i] || update(c, addWindow, d, credits, s.end(), client, s.policy(), s.start()) == 0) {
        update(c, insertWindow, d, client, s.policy(), s.start(), s.end(), credits);
      }
      used[i] = Math.min(Requirements.MAX_CREDITS, used[i] + credits);
    }
    addDaily(c, client, r.epochDay(), credits, d);
    String operation = r.operation();
    if (operation != null) {
      addOperationDaily(c, client, operation, r.epochDay(), credits, d);
    }
    String reservationId = null;
    if (r.mode() == ChargeMode.RESERVE) {
      reservationId = r.reservationId();
      update(c, insertReservation, d, client, reservationId, credits, r.epochDay(), Slots.encode(slots),
          r.reservationExpiresAt(), key, operation);
    }
    if (key != null) {
      update(c, insertKey, d, client, key, Slots.encodeUsed(used), reservationId, r.idempotencyExpiresAt());
    }
    if (r.mode() == ChargeMode.CHARGE) {
      recordEvent(c, client, r.event(), d);
    }
    return ChargeResult.of(true, used, reservationId);
  }

  /** A recorded outcome replayed: the windows' counts now and what its reservation still holds. */
  private ChargeResult replay(Connection c, String client, long[] used, @Nullable String reservationId,
      long now, Deadline d) throws SQLException {
    long held = 0;
    long heldUntil = now;
    if (reservationId != null) {
      try (PreparedStatement ps = prepare(c, selectHeld, d)) {
        ps.setString(1, client);
        ps.setString(2, reservationId);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            held = rs.getLong(1);
            heldUntil = rs.getLong(2);
          }
        }
      }
    }
    return ChargeResult.replay(used, reservationId, held, heldUntil);
  }

  @Override
  long settle(Connection c, SettleRequest r, Deadline d) throws SQLException {
    return inTransaction(c, () -> {
      String client = r.clientId();
      lockClient(c, client, r.now(), d);
      expireReservations(c, client, r.now(), d);
      long credits;
      long day;
      String slots;
      String key;
      String operation;
      try (PreparedStatement ps = prepare(c, selectReservation, d)) {
        ps.setString(1, client);
        ps.setString(2, r.reservationId());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return -1L;
          }
          credits = rs.getLong(1);
          day = rs.getLong(2);
          slots = rs.getString(3);
          key = rs.getString(4);
          operation = rs.getString(5);
        }
      }
      if (r.actualCredits() > credits) {
        return credits;
      }
      update(c, deleteReservation, d, client, r.reservationId());
      giveBack(c, client, Slots.decode(slots), credits - r.actualCredits(), day, d);
      if (operation != null && credits > r.actualCredits()) {
        addOperationDaily(c, client, operation, day, r.actualCredits() - credits, d);
      }
      if (r.actualCredits() == 0) {
        forgetOutcome(c, client, key, r.reservationId(), d);
      } else {
        recordEvent(c, client, r.event(), d);
      }
      return credits;
    });
  }

  @Override
  long[] usage(Connection c, String clientId, List<WindowSlot> windows, long now, Deadline d)
      throws SQLException {
    long[] used = new long[windows.size()];
    long expired = readWindows(c, clientId, windows, used, new boolean[used.length], now, d);
    if (expired != 0) {
      inTransaction(c, () -> {
        lockClient(c, clientId, now, d);
        return expireReservations(c, clientId, now, d);
      });
      readWindows(c, clientId, windows, used, new boolean[used.length], d);
    }
    return used;
  }

  @Override
  long deleteHistory(Connection c, String clientId, long fromDay, long toDay, Deadline d) throws SQLException {
    return inTransaction(c, () -> {
      lockClient(c, clientId, UNKNOWN_TIME, d);
      if (lockBuckets != null) {
        // the window rows with buckets of these days, in window order (as every routine takes them), so
        // none changes between the count and the clearing
        try (PreparedStatement ps = prepare(c, lockBuckets, d)) {
          ps.setString(1, clientId);
          ps.setLong(2, fromDay);
          ps.setLong(3, toDay);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              // locked
            }
          }
        }
      }
      long days;
      try (PreparedStatement ps = prepare(c, countDays, d)) {
        for (int at = 1; at <= (buckets ? 6 : 3); at += 3) {
          ps.setString(at, clientId);
          ps.setLong(at + 1, fromDay);
          ps.setLong(at + 2, toDay);
        }
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          days = rs.getLong(1);
        }
      }
      if (clearBuckets != null) {
        update(c, clearBuckets, d, clientId, fromDay, toDay);
      }
      update(c, deleteDays, d, clientId, fromDay, toDay);
      update(c, deleteOperationDays, d, clientId, fromDay, toDay);
      return days;
    });
  }

  @Override
  long expireReservations(Connection c, long now, int timeoutSeconds) throws SQLException {
    List<String> clients = new ArrayList<>();
    try (PreparedStatement ps = prepare(c, expiredClients, timeoutSeconds)) {
      ps.setLong(1, now);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          clients.add(rs.getString(1));
        }
      }
    }
    long released = 0;
    for (String client : clients) {
      Deadline d = Deadline.in(timeoutSeconds * 1000L);
      released += inTransaction(c, () -> {
        lockClient(c, client, now, d);
        return expireReservations(c, client, now, d);
      });
    }
    return released;
  }

  @Override
  long deleteBatch(Connection c, String table, String column, long bound, int timeoutSeconds)
      throws SQLException {
    String sql = "DELETE FROM " + table + " WHERE " + column + " <= ? " + limit(PURGE_BATCH);
    try (PreparedStatement ps = prepare(c, sql, timeoutSeconds)) {
      ps.setLong(1, bound);
      return ps.executeUpdate();
    }
  }

  @Override
  boolean hasClientTable() {
    return true;
  }

  // ---- steps, each run inside a transaction that holds the client's lock -----------------------

  /**
   * Locks the client's row, creating it on the client's first call; refreshes its {@code touched_at}
   * when it is older than {@link #TOUCH_INTERVAL_MILLIS} (unless {@code now} is {@link #UNKNOWN_TIME}).
   *
   * @throws SQLTransactionRollbackException (SQLState 40001, retried) if another transaction created
   *     the row first
   */
  private void lockClient(Connection c, String client, long now, Deadline d) throws SQLException {
    try (PreparedStatement ps = prepare(c, lockClient, d)) {
      ps.setString(1, client);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (now != UNKNOWN_TIME && rs.getLong(1) < now - TOUCH_INTERVAL_MILLIS) {
            update(c, touchClient, d, now, client);
          }
          return;
        }
      }
    }
    try {
      update(c, insertClient, d, client, Math.max(0, now));
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && state.startsWith("23")) {
        throw new SQLTransactionRollbackException("the client's row was created concurrently", "40001", e);
      }
      throw e;
    }
  }

  /**
   * Gives back every reservation of the client that expired at {@code now}, forgetting the outcomes
   * recorded with them; returns how many.
   */
  private long expireReservations(Connection c, String client, long now, Deadline d) throws SQLException {
    List<Expired> expired = new ArrayList<>(0);
    try (PreparedStatement ps = prepare(c, selectExpired, d)) {
      ps.setString(1, client);
      ps.setLong(2, now);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          expired.add(new Expired(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
              rs.getString(6)));
        }
      }
    }
    if (expired.isEmpty()) {
      return 0;
    }
    // every window row of the client in key order first, then the daily rows in day order, then the
    // operation daily rows: the order MariaDB's lock-free plain charges lock them in
    try (PreparedStatement ps = prepare(c, lockWindows, d)) {
      ps.setString(1, client);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // locked
        }
      }
    }
    expired.sort(Comparator.comparingLong(Expired::day)
        .thenComparing(Expired::operation, Comparator.nullsFirst(Comparator.naturalOrder())));
    for (Expired e : expired) {
      giveBack(c, client, Slots.decode(e.slots), e.credits, e.day, d);
      forgetOutcome(c, client, e.key, e.reservationId, d);
    }
    for (Expired e : expired) {
      if (e.operation != null) {
        addOperationDaily(c, client, e.operation, e.day, -e.credits, d);
      }
    }
    update(c, deleteExpired, d, client, now);
    return expired.size();
  }

  /** Forgets the outcome of a reservation given back in full, unless its key has another one by now. */
  private void forgetOutcome(Connection c, String client, @Nullable String key, String reservationId, Deadline d)
      throws SQLException {
    if (key != null) {
      update(c, forgetKey, d, client, key, reservationId);
    }
  }

  private record Expired(long credits, long day, String slots, String reservationId, @Nullable String key,
      @Nullable String operation) {}

  private void giveBack(Connection c, String client, List<Slots.Key> windows, long credits, long day,
      Deadline d) throws SQLException {
    if (credits == 0) {
      return;
    }
    for (Slots.Key w : windows) {
      update(c, releaseWindow, d, credits, client, w.policy(), w.start());
    }
    addDaily(c, client, day, -credits, d);
  }

  private void addDaily(Connection c, String client, long day, long credits, Deadline d) throws SQLException {
    if (update(c, addDaily, d, credits, client, day) == 0) {
      update(c, insertDaily, d, client, day, Math.max(0, credits));
    }
  }

  /** Adds (or, negative, subtracts) credits to an operation's day total, never below zero. */
  private void addOperationDaily(Connection c, String client, String operation, long day, long credits,
      Deadline d) throws SQLException {
    if (update(c, addOperationDaily, d, credits, client, operation, day) == 0) {
      update(c, insertOperationDaily, d, client, operation, day, Math.max(0, credits));
    }
  }

  private void readWindows(Connection c, String client, List<WindowSlot> slots, long[] used,
      boolean[] exists, Deadline d) throws SQLException {
    if (!slots.isEmpty()) {
      readWindows(c, client, slots, used, exists, Long.MIN_VALUE, d);
    }
  }

  /**
   * Reads the used count of each window into {@code used} (marking those that have a row in
   * {@code exists}) in one statement; with a {@code now}, the same statement also counts the client's
   * reservations that expired at {@code now}, which it returns. A row that ends before its window (a plan
   * change made the window with its start end later) is kept until the window's end by one more statement.
   */
  private long readWindows(Connection c, String client, List<WindowSlot> slots, long[] used,
      boolean[] exists, long now, Deadline d) throws SQLException {
    int n = slots.size();
    boolean countExpired = now != Long.MIN_VALUE;
    String sql = countExpired
        ? (n <= CACHED_WINDOW_QUERIES ? usageQueries[n] : this.countExpired + " UNION ALL " + readWindowsSql(n))
        : (n <= CACHED_WINDOW_QUERIES ? readWindows[n] : readWindowsSql(n));
    long expired = 0;
    long[] ends = new long[n];
    try (PreparedStatement ps = prepare(c, sql, d)) {
      int p = 1;
      if (countExpired) {
        ps.setString(p++, client);
        ps.setLong(p++, now);
      }
      for (WindowSlot s : slots) {
        ps.setString(p++, client);
        ps.setString(p++, s.policy());
        ps.setLong(p++, s.start());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int i = rs.getInt(1);
          if (i < 0) {
            expired = rs.getLong(2);
          } else {
            used[i] = rs.getLong(2);
            exists[i] = true;
            ends[i] = rs.getLong(3);
          }
        }
      }
    }
    for (int i = 0; i < n; i++) {
      WindowSlot s = slots.get(i);
      if (exists[i] && ends[i] < s.end()) {
        update(c, keepWindow, d, s.end(), client, s.policy(), s.start(), s.end());
      }
    }
    return expired;
  }

  /** One primary-key lookup per window, tagged with the window's index (a literal, never input). */
  private String readWindowsSql(int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(" UNION ALL ");
      }
      b.append("SELECT ").append(i).append(" AS i, used, window_end FROM ").append(schema.windows)
          .append(" WHERE client_id = ? AND policy = ? AND window_start = ?");
    }
    return b.toString();
  }

  private String limit(int rows) {
    return dialect == JdbcDialect.H2 ? "FETCH FIRST " + rows + " ROWS ONLY" : "LIMIT " + rows;
  }

  /** Records a usage event (none when null) in the caller's transaction. */
  private void recordEvent(Connection c, String client, @Nullable EventRecord event, Deadline d) throws SQLException {
    if (event != null) {
      update(c, insertEvent, d, client, event.id(), event.time(), event.payload());
    }
  }

  private static int update(Connection c, String sql, Deadline d, @Nullable Object... values) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, d)) {
      for (int i = 0; i < values.length; i++) {
        Object v = values[i];
        if (v == null) {
          ps.setNull(i + 1, Types.VARCHAR);
        } else if (v instanceof String) {
          ps.setString(i + 1, (String) v);
        } else {
          ps.setLong(i + 1, ((Number) v).longValue());
        }
      }
      return ps.executeUpdate();
    }
  }
}
