package dev.apibilling.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link UsageStore} in a relational database over plain JDBC: PostgreSQL, MariaDB/MySQL or H2.
 *
 * <pre>{@code
 * UsageStore store = JdbcUsageStore.builder(dataSource)      // the application's pool
 *     .tablePrefix("apibilling_")
 *     .createSchema(true)
 *     .build();
 * UsageStore owned = JdbcUsageStore.connect("jdbc:postgresql://db/app?user=billing");  // own HikariCP pool
 * }</pre>
 *
 * <p>Every decision is atomic and exact across any number of store objects and processes sharing the
 * database: each change of a client's reservations, idempotency keys or history runs under one lock per
 * client taken first (PostgreSQL: an advisory transaction lock inside a PL/pgSQL function; MariaDB: the
 * client's row, locked by a stored procedure; both one statement and one round trip per decision; MySQL and
 * H2: the client's row, locked first by a short transaction of several statements), and on PostgreSQL and
 * MariaDB a plain charge or check checks and adds each window's count under that window row's lock, so
 * there is no read-modify-write race. Conflicts the database resolves by rolling back (deadlocks,
 * serialization failures) are retried a few times within the timeout.
 *
 * <p>Time is the caller's: expiry is judged by each request's {@code now}, never the database clock.
 * Expired rows stay until {@link #purgeExpired(Instant)} deletes them; call it periodically, or let the
 * store do it with {@link Builder#purgeEvery(Duration)}.
 *
 * <p>Thread safe. Every failure of the database (an error, a lost connection, a timeout) is thrown as a
 * {@link UsageStoreException}, and every call ends within one deadline, {@link Builder#timeout(Duration)}
 * (default 2 s): on PostgreSQL, MariaDB and MySQL each read of the call (of each of its statements)
 * gives up when the deadline passes, even on a link that stopped answering; a pool the store opens also waits for (or makes) a connection only
 * within it.
 */
public final class JdbcUsageStore implements UsageStore {

  private static final System.Logger LOG = System.getLogger(JdbcUsageStore.class.getName());
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final int MAX_ATTEMPTS = 5;
  private static final int MAX_PURGE_ROUNDS = 1_000;
  /** The most plain charges one coalesced call carries. */
  private static final int MAX_BATCH = 64;
  private static final long DAY_MILLIS = 86_400_000L;
  /** How long a client row (MariaDB, H2) outlives its client's last call before the purge drops it. */
  private static final long CLIENT_ROW_IDLE_MILLIS = DAY_MILLIS;

  private final DataSource dataSource;
  private final @Nullable HikariDataSource pool;
  private final JdbcDialect dialect;
  private final Schema schema;
  private final Operations ops;
  private final long timeoutMillis;
  private final boolean networkBound;
  private final long purgeGraceMillis;
  private final long historyRetentionMillis;
  private final @Nullable ScheduledExecutorService purger;
  private final JdbcEventLog events;
  private final @Nullable CoalescedCharges coalesced;
  private volatile boolean closed;

  private JdbcUsageStore(Builder b, DataSource dataSource, @Nullable HikariDataSource pool, JdbcDialect dialect) {
    this.dataSource = dataSource;
    this.pool = pool;
    this.dialect = dialect;
    this.schema = new Schema(b.tablePrefix);
    switch (dialect) {
      case POSTGRESQL:
        this.ops = new PostgresOperations(schema);
        break;
      case MARIADB:
        this.ops = new MariaDbOperations(schema);
        break;
      default:
        this.ops = new LockingOperations(schema, dialect);
        break;
    }
    this.timeoutMillis = b.timeout.toMillis();
    this.networkBound = dialect != JdbcDialect.H2;
    this.purgeGraceMillis = b.purgeGrace.toMillis();
    this.historyRetentionMillis = b.historyRetention.toMillis();
    if (b.createSchema) {
      createSchema();
    } else {
      verifySchema();
    }
    this.events = new JdbcEventLog(this, schema, dialect);
    this.coalesced = dialect != JdbcDialect.POSTGRESQL || !b.coalesceCharges ? null
        : new CoalescedCharges(MAX_BATCH, timeoutMillis, (batch, deadline) -> call("charge",
            deadline, (c, d) -> ((PostgresOperations) ops).chargeMany(c, batch, d)));
    this.purger = b.purgeEvery == null ? null : startPurger(b.purgeEvery);
  }

  /** A builder of a store over the application's {@link DataSource} (closing the store leaves it open). */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null);
  }

  /**
   * A builder of a store that opens and owns a HikariCP pool of {@code jdbcUrl} (closed with the store).
   * User and password go into the URL ({@code ?user=...&password=...}, H2: {@code ;USER=...}).
   *
   * @throws IllegalArgumentException if the URL is not a {@code jdbc:postgresql:}, {@code jdbc:mariadb:},
   *     {@code jdbc:mysql:} or {@code jdbc:h2:} URL that a driver on the class path accepts
   */
  public static Builder builder(String jdbcUrl) {
    return new Builder(null, Urls.check(Objects.requireNonNull(jdbcUrl, "jdbcUrl")));
  }

  /**
   * A store on its own HikariCP pool of {@code jdbcUrl}, with the default settings, the schema created
   * if missing, and expired rows purged every 10 minutes: {@code builder(jdbcUrl).createSchema(true)
   * .purgeEvery(Duration.ofMinutes(10)).build()}.
   *
   * @throws IllegalArgumentException if the URL is malformed or not supported
   * @throws UsageStoreException if the database cannot be reached
   */
  public static JdbcUsageStore connect(String jdbcUrl) {
    return builder(jdbcUrl).createSchema(true).purgeEvery(Duration.ofMinutes(10)).build();
  }

  /**
   * The schema script of a dialect for a table prefix, as {@link Builder#createSchema} applies it: to
   * hand to a migration tool or a DBA. Every statement is idempotent.
   *
   * @throws IllegalArgumentException if the prefix is invalid
   */
  public static String schemaSql(JdbcDialect dialect, String tablePrefix) {
    return new Schema(tablePrefix).script(Objects.requireNonNull(dialect, "dialect"));
  }

  /** The database dialect this store speaks. */
  public JdbcDialect dialect() {
    return dialect;
  }

  /** The prefix of this store's tables (and of its PostgreSQL functions or MariaDB procedures). */
  public String tablePrefix() {
    return schema.prefix;
  }

  // ---- UsageStore -----------------------------------------------------------------------------

  @Override
  public ChargeResult charge(ChargeRequest request) {
    if (coalesced != null && PostgresOperations.goesTogether(request)) {
      checkOpen();
      return coalesced.charge(request);
    }
    return call("charge", (c, d) -> ops.charge(c, request, d));
  }

  @Override
  public boolean settle(SettleRequest request) {
    long held = call("settle", (c, d) -> ops.settle(c, request, d));
    if (held < 0) {
      return false;
    }
    Requirements.actualCredits(request.actualCredits(), held);
    return true;
  }

  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    return call("read usage", (c, d) -> ops.usage(c, clientId, windows, now, d));
  }

  @Override
  public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
    return call("read history", (c, d) -> ops.history(c, clientId, fromEpochDay, toEpochDay, d));
  }

  /** The operation's totals, from the {@code operation_daily} table its charges write in their transaction. */
  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    return call("read operation history",
        (c, d) -> ops.history(c, clientId, operation, fromEpochDay, toEpochDay, d));
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    return call("delete history", (c, d) -> ops.deleteHistory(c, clientId, fromEpochDay, toEpochDay, d));
  }

  /**
   * The usage events recorded with charges, in the {@code events} table: a claim takes the oldest
   * unclaimed rows {@code FOR UPDATE SKIP LOCKED}, so exporters on several instances share them.
   */
  @Override
  public Optional<UsageEventLog> eventLog() {
    return Optional.of(events);
  }

  /** Deletes events delivered at or before {@code bound}, in batches; returns how many. */
  long purgeEvents(long bound) {
    checkOpen();
    int seconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
    try (Connection c = dataSource.getConnection()) {
      return deleteAll(c, schema.events, "delivered_at", bound, seconds);
    } catch (SQLException | RuntimeException e) {
      throw Failures.wrap("purge delivered usage events", e, timeoutMillis);
    }
  }

  // ---- maintenance ----------------------------------------------------------------------------

  /**
   * Deletes what has expired at {@code now}: gives back and deletes expired reservations, deletes
   * windows that ended more than the purge grace before {@code now}, idempotency records past their
   * expiry, daily totals (the client's and its operations') older than the history retention and
   * (MariaDB, MySQL, H2) client rows idle for a day.
   * Live rows are never touched. Works in short batches (at most 10,000 rows per statement), each its
   * own transaction, so it can run while the store serves decisions, from any number of instances.
   *
   * @param now the application's current time
   * @return the number of rows deleted
   * @throws UsageStoreException if the database fails; what was deleted before stays deleted
   */
  public long purgeExpired(Instant now) {
    checkOpen();
    long t = now.toEpochMilli();
    int seconds = (int) Math.max(1, (timeoutMillis + 999) / 1000);
    try (Connection c = dataSource.getConnection()) {
      long deleted = 0;
      for (int round = 0; round < MAX_PURGE_ROUNDS; round++) {
        long released = retrying(c, () -> ops.expireReservations(c, t, seconds));
        deleted += released;
        if (released == 0) {
          break;
        }
      }
      deleted += deleteAll(c, schema.windows, "window_end", t - purgeGraceMillis, seconds);
      deleted += deleteAll(c, schema.idempotency, "expires_at", t, seconds);
      long oldestDayKept = Math.floorDiv(t - historyRetentionMillis, DAY_MILLIS);
      deleted += deleteAll(c, schema.daily, "epoch_day", oldestDayKept - 1, seconds);
      deleted += deleteAll(c, schema.operationDaily, "epoch_day", oldestDayKept - 1, seconds);
      if (ops.hasClientTable()) {
        deleted += deleteAll(c, schema.clients, "touched_at", t - CLIENT_ROW_IDLE_MILLIS, seconds);
      }
      return deleted;
    } catch (SQLException | RuntimeException e) {
      throw Failures.wrap("purge expired rows", e, timeoutMillis);
    }
  }

  /**
   * Creates the tables (and on PostgreSQL the functions) that are missing, and adds to existing tables the
   * nullable columns this version needs when they lack them; changes nothing else that exists except the
   * PostgreSQL functions and MariaDB procedures, which are replaced by this version's. Safe to run
   * concurrently.
   *
   * @throws UsageStoreException if the database fails
   */
  public void createSchema() {
    checkOpen();
    List<String> statements = schema.statements(dialect);
    try (Connection c = dataSource.getConnection()) {
      if (dialect == JdbcDialect.POSTGRESQL) {
        Operations.inTransaction(c, () -> {
          try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(hashtext('" + schema.prefix + "schema'))");
            for (String sql : statements) {
              s.execute(sql);
            }
          }
          return null;
        });
      } else {
        try (Statement s = c.createStatement()) {
          for (String sql : statements) {
            s.execute(sql);
          }
        }
      }
    } catch (SQLException | RuntimeException e) {
      throw Failures.wrap("create its schema", e, timeoutMillis);
    }
  }

  /** Drops this store's tables and functions (tests and uninstalling). */
  void dropSchema() {
    String[] tables = {schema.windows, schema.idempotency, schema.reservations, schema.daily,
        schema.operationDaily, schema.clients, schema.events};
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      for (String table : tables) {
        s.execute("DROP TABLE IF EXISTS " + table);
      }
      String p = schema.prefix;
      if (dialect == JdbcDialect.MARIADB) {
        for (String procedure : List.of("next_window", "lock_client", "add_daily", "add_operation_daily", "give_back",
            "forget_outcome", "expire_reservations", "charge", "charge_one", "settle", "record_event")) {
          s.execute("DROP PROCEDURE IF EXISTS " + p + procedure);
        }
      }
      if (dialect == JdbcDialect.POSTGRESQL) {
        s.execute("DROP FUNCTION IF EXISTS " + p + "lock_client, " + p + "add_daily, " + p + "add_operation_daily, "
            + p + "give_back, "
            + p + "forget_outcome, " + p + "keep_windows, " + p + "add_windows, " + p + "charge_one, "
            + p + "expire_reservations, " + p + "release_holds, " + p + "charge, " + p + "settle, " + p + "usage, "
            + p + "delete_history, " + p + "expire_all_reservations, " + p + "record_event");
      }
    } catch (SQLException e) {
      throw Failures.wrap("drop its schema", e, timeoutMillis);
    }
  }

  /** Stops the purge thread and closes the pool this store opened (not a {@link DataSource} it was given). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (purger != null) {
      purger.shutdownNow();
    }
    if (pool != null) {
      pool.close();
    }
  }

  @Override
  public String toString() {
    return "JdbcUsageStore[" + dialect + ", tablePrefix=" + schema.prefix + "]";
  }

  // ---- internals ------------------------------------------------------------------------------

  <T> T call(String operation, SqlCall<T> work) {
    return call(operation, Deadline.in(timeoutMillis), work);
  }

  private <T> T call(String operation, Deadline deadline, SqlCall<T> work) {
    checkOpen();
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        if (networkBound) {
          deadline.bound(c);
        }
        T result = work.run(c, deadline);
        if (!c.getAutoCommit()) {
          deadline.rebound(c);        // the commit's round trip ends at the deadline too (none in auto-commit)
        }
        return committed(c, result);
      } catch (SQLException e) {
        if (attempt < MAX_ATTEMPTS && Failures.retryable(e) && !deadline.expired()) {
          LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(100_000L, 1_000_000L * attempt));
          continue;
        }
        throw Failures.wrap(operation, e, timeoutMillis);
      } catch (IllegalArgumentException e) {
        throw e;
      } catch (RuntimeException e) {
        throw Failures.wrap(operation, e, timeoutMillis);
      }
    }
  }

  /**
   * The result, after committing it when the connection came without auto-commit (a pool configured so):
   * single-statement operations rely on auto-commit, and a pool rolls back what is left uncommitted.
   */
  private static <T> T committed(Connection c, T result) throws SQLException {
    if (!c.getAutoCommit()) {
      c.commit();
    }
    return result;
  }

  private long deleteAll(Connection c, String table, String column, long bound, int seconds) throws SQLException {
    long deleted = 0;
    for (int round = 0; round < MAX_PURGE_ROUNDS; round++) {
      long n = retrying(c, () -> ops.deleteBatch(c, table, column, bound, seconds));
      deleted += n;
      if (n < Operations.PURGE_BATCH) {
        break;
      }
    }
    return deleted;
  }

  /** Runs one idempotent purge step again when the database rolled it back over a conflict. */
  private static long retrying(Connection c, Operations.SqlBody<Long> step) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        return committed(c, step.run());
      } catch (SQLException e) {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
        if (attempt >= MAX_ATTEMPTS || !Failures.retryable(e)) {
          throw e;
        }
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(100_000L, 1_000_000L * attempt));
      }
    }
  }

  private void verifySchema() {
    String sql = "SELECT (SELECT COUNT(*) FROM " + schema.windows + " WHERE 1 = 0)"
        + " + (SELECT COUNT(*) FROM " + schema.idempotency + " WHERE 1 = 0)"
        + " + (SELECT COUNT(*) FROM " + schema.reservations + " WHERE 1 = 0)"
        + " + (SELECT COUNT(*) FROM " + schema.daily + " WHERE 1 = 0)"
        + " + (SELECT COUNT(*) FROM " + schema.operationDaily + " WHERE 1 = 0)"
        + " + (SELECT COUNT(*) FROM " + schema.events + " WHERE 1 = 0)"
        + (ops.hasClientTable() ? " + (SELECT COUNT(*) FROM " + schema.clients + " WHERE 1 = 0)" : "");
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.setQueryTimeout((int) Math.max(1, (timeoutMillis + 999) / 1000));
      s.executeQuery(sql).close();
      verifyColumn(s, schema.reservations, "operation");
      if (dialect == JdbcDialect.POSTGRESQL) {
        // fails with SQLState 42703 on a windows table from before the day buckets or the holds (the script
        // upgrades it)
        s.executeQuery("SELECT bucket_day, bucket_credits, hold_until FROM " + schema.windows + " WHERE 1 = 0")
            .close();
        // fails with SQLState 42883 when the function is missing
        s.executeQuery("SELECT '" + schema.prefix + "charge'::regproc, '" + schema.prefix + "settle'::regproc").close();
      } else if (dialect == JdbcDialect.MARIADB) {
        verifyColumn(s, schema.windows, "hold_until");
        verifyColumn(s, schema.windows, "bucket_day");
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM information_schema.ROUTINES"
            + " WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME IN ('" + schema.prefix + "charge', '"
            + schema.prefix + "charge_one', '" + schema.prefix + "settle')")) {
          if (!rs.next() || rs.getInt(1) != 3) {
            throw new SQLException("procedures " + schema.prefix + "charge, " + schema.prefix + "charge_one or "
                + schema.prefix + "settle are missing", "42000");
          }
        }
      }
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && state.startsWith("42")) {
        throw new IllegalStateException("the tables of prefix '" + schema.prefix + "' are missing or "
            + "incomplete (" + e.getMessage() + "); apply " + dialect.schemaResource()
            + " or build the store with createSchema(true)", e);
      }
      throw Failures.wrap("check its schema", e, timeoutMillis);
    }
  }

  /**
   * Checks a column that upgrades add to an existing table exists, naming it when it does not.
   *
   * @throws SQLException with an SQLState of class 42 when it is missing
   */
  private void verifyColumn(Statement s, String table, String column) throws SQLException {
    try {
      s.executeQuery("SELECT " + column + " FROM " + table + " WHERE 1 = 0").close();
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state != null && state.startsWith("42")) {
        throw new SQLException("column " + column + " of " + table + " is missing (a table made by an older "
            + "schema): " + e.getMessage(), state, e);
      }
      throw e;
    }
  }

  private ScheduledExecutorService startPurger(Duration every) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "apibilling-jdbc-purge");
      t.setDaemon(true);
      return t;
    });
    long millis = every.toMillis();
    executor.scheduleWithFixedDelay(() -> {
      try {
        purgeExpired(Instant.now());
      } catch (RuntimeException e) {
        if (!closed) {
          LOG.log(System.Logger.Level.WARNING, "purging expired usage rows failed; retrying in " + every, e);
        }
      }
    }, millis, millis, TimeUnit.MILLISECONDS);
    return executor;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
  }

  @FunctionalInterface
  interface SqlCall<T> {
    T run(Connection c, Deadline d) throws SQLException;
  }

  /** Settings of a {@link JdbcUsageStore}; every one has a default. Not thread safe. */
  public static final class Builder {
    private final @Nullable DataSource dataSource;
    private final @Nullable String jdbcUrl;
    private @Nullable JdbcDialect dialect;
    private String tablePrefix = "apibilling_";
    private boolean createSchema;
    private Duration timeout = Duration.ofSeconds(2);
    private Duration purgeGrace = Duration.ofMinutes(5);
    private Duration historyRetention = Duration.ofDays(400);
    private @Nullable Duration purgeEvery;
    private int poolSize = 10;
    private boolean coalesceCharges = true;

    private Builder(@Nullable DataSource dataSource, @Nullable String jdbcUrl) {
      this.dataSource = dataSource;
      this.jdbcUrl = jdbcUrl;
    }

    /** The database's dialect (default: from the URL, or detected from the connection's metadata). */
    public Builder dialect(JdbcDialect dialect) {
      this.dialect = Objects.requireNonNull(dialect, "dialect");
      return this;
    }

    /**
     * The prefix of the tables (default {@code apibilling_}): a lower-case letter, then up to 29
     * lower-case letters, digits or underscores. Stores with different prefixes share nothing.
     *
     * @throws IllegalArgumentException if the prefix does not match {@code [a-z][a-z0-9_]{0,29}}
     */
    public Builder tablePrefix(String tablePrefix) {
      this.tablePrefix = Schema.validPrefix(tablePrefix);
      return this;
    }

    /**
     * Whether {@link #build()} creates the missing tables (and functions) of the schema (default false:
     * it checks they exist and fails with a clear message if not).
     */
    public Builder createSchema(boolean createSchema) {
      this.createSchema = createSchema;
      return this;
    }

    /**
     * The deadline of one call (default 2 seconds): by then it has answered or failed with a
     * {@link UsageStoreException}, whether the database is slow, down or behind a link that stopped
     * answering. Each read of the call's connection gives up when the deadline passes (the driver's socket
     * timeout, PostgreSQL and MariaDB/MySQL); statements also get a query timeout (whole seconds, rounded
     * up) so the server stops working on them. A pool the store opens waits for a connection, validates it
     * and connects within the deadline too (HikariCP {@code connectionTimeout} + {@code validationTimeout},
     * the drivers' {@code connectTimeout}; PostgreSQL {@code cancelSignalTimeout} 1 s). With a
     * {@link DataSource} of the application, its own pool settings bound the wait for a connection.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(Duration timeout) {
      this.timeout = Requirements.positive("timeout", timeout);
      return this;
    }

    /**
     * How long after its end a window is kept before {@link #purgeExpired} deletes it (default 5
     * minutes), for instances whose clocks lag behind.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder purgeGrace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("purgeGrace must be >= 0 but was " + grace);
      }
      this.purgeGrace = grace;
      return this;
    }

    /**
     * How long daily totals are kept before {@link #purgeExpired} deletes them (default 400 days, as
     * the in-memory store).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder historyRetention(Duration retention) {
      this.historyRetention = Requirements.positive("historyRetention", retention);
      return this;
    }

    /**
     * Runs {@link #purgeExpired} with the system clock every {@code interval} on a daemon thread of the
     * store (default: never; the application schedules it). Several instances may purge concurrently.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder purgeEvery(Duration interval) {
      this.purgeEvery = Requirements.positive("purgeEvery", interval);
      return this;
    }

    /**
     * The most connections of the pool the store opens (default 10).
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if the store was given a {@link DataSource}
     */
    public Builder poolSize(int poolSize) {
      if (jdbcUrl == null) {
        throw new IllegalStateException("poolSize applies to a store built from a JDBC URL; size your DataSource");
      }
      if (poolSize <= 0) {
        throw new IllegalArgumentException("poolSize must be > 0 but was " + poolSize);
      }
      this.poolSize = poolSize;
      return this;
    }

    /**
     * PostgreSQL: whether a client's concurrent plain charges (no idempotency key, reservation, operation or
     * usage event; one quota) go together (default true). While a call with charges of a client is in
     * flight, that client's next plain charges wait, and the next call carries every one waiting by then
     * (up to 64) in one statement and transaction: each is still checked and deducted on its own, all or
     * nothing, but a hot client's charges no longer queue one transaction (and one WAL flush) each on its
     * window's row. A charge of a client with no call in flight goes at once; clients never wait for each
     * other. A waiting charge gives up at its deadline ({@link #timeout}) unsent; a batch's call has its
     * oldest charge's deadline and fails or succeeds for all its charges together. Other dialects and
     * other charges: one call each.
     */
    public Builder coalesceCharges(boolean coalesceCharges) {
      this.coalesceCharges = coalesceCharges;
      return this;
    }

    /**
     * Builds the store: opens its pool if it has a URL, detects the dialect if not set, and creates or
     * checks the schema.
     *
     * @throws UsageStoreException if the database cannot be reached or fails
     * @throws IllegalStateException if the schema is missing and {@link #createSchema} is off
     * @throws IllegalArgumentException if the database is not one of the supported ones
     */
    public JdbcUsageStore build() {
      if (jdbcUrl == null) {
        DataSource ds = Objects.requireNonNull(dataSource);
        return new JdbcUsageStore(this, ds, null, dialect != null ? dialect : detect(ds));
      }
      JdbcDialect d = dialect != null ? dialect : Objects.requireNonNull(JdbcDialect.ofUrl(jdbcUrl));
      HikariDataSource pool = openPool(jdbcUrl, d);
      try {
        if (dialect == null && d == JdbcDialect.MYSQL) {
          d = detect(pool); // a jdbc:mysql: URL may well lead to a MariaDB server
        }
        return new JdbcUsageStore(this, pool, pool, d);
      } catch (RuntimeException e) {
        pool.close();
        throw e;
      }
    }

    private JdbcDialect detect(DataSource ds) {
      try (Connection c = ds.getConnection()) {
        return JdbcDialect.ofProduct(c.getMetaData().getDatabaseProductName());
      } catch (SQLException e) {
        throw Failures.wrap("detect the database", e, timeout.toMillis());
      }
    }

    private HikariDataSource openPool(String url, JdbcDialect d) {
      long millis = timeout.toMillis();
      int seconds = (int) Math.max(1, (millis + 999) / 1000);
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setPoolName("apibilling-jdbc-" + POOLS.incrementAndGet());
      config.setMaximumPoolSize(poolSize);
      // waiting for a connection and validating it share the deadline (HikariCP: both at least 250 ms)
      long validation = Math.max(250, millis / 4);
      config.setConnectionTimeout(Math.max(250, millis - validation));
      config.setValidationTimeout(validation);
      config.setInitializationFailTimeout(Math.max(1, millis));
      switch (d) {
        case POSTGRESQL:
          // seconds; each call sets the socket timeout to what is left of its deadline, this one only
          // bounds what runs outside calls; a cancel request gets 1 s instead of pgjdbc's 10 s
          config.addDataSourceProperty("connectTimeout", String.valueOf(seconds));
          config.addDataSourceProperty("loginTimeout", String.valueOf(seconds));
          config.addDataSourceProperty("socketTimeout", String.valueOf(seconds + 1));
          config.addDataSourceProperty("cancelSignalTimeout", "1");
          config.addDataSourceProperty("tcpKeepAlive", "true");
          break;
        case MARIADB:
        case MYSQL:
          config.addDataSourceProperty("connectTimeout", String.valueOf(millis));
          config.addDataSourceProperty("socketTimeout", String.valueOf(millis + 1000));
          config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
          break;
        default:
          // an in-memory H2 database lives as long as a connection to it: never retire them all at once
          if (url.regionMatches(true, 0, "jdbc:h2:mem:", 0, 12)) {
            config.setMaxLifetime(0);
          }
          break;
      }
      try {
        return new HikariDataSource(config);
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        // H2: 90046 URL format error, 90113 unsupported connection setting
        String state = cause instanceof SQLException ? ((SQLException) cause).getSQLState() : null;
        if ("90046".equals(state) || "90113".equals(state)) {
          throw new IllegalArgumentException("JDBC URL '" + Urls.masked(url) + "' is malformed: "
              + cause.getMessage(), e);
        }
        throw new UsageStoreException("JDBC usage store could not connect to '" + Urls.masked(url) + "': "
            + cause.getMessage(), e);
      }
    }
  }
}
