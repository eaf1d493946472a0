package dev.apibilling.redis;

import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A {@link UsageStore} in Redis, on one shared Lettuce connection: every store object (in any number of
 * processes) over the same Redis and key prefix shares one exact budget.
 *
 * <pre>{@code
 * UsageStore store = RedisUsageStore.connect("redis://127.0.0.1:6379");
 * ApiBilling billing = ApiBilling.builder().store(store).build();
 * }</pre>
 *
 * <p>Each operation is one round trip: a decision, a settlement, a usage read and a history delete each
 * run one Lua script ({@code EVALSHA}, loaded when the store is built and reloaded after a
 * {@code NOSCRIPT}); a history read, of the client or of one operation, is one {@code HGETALL}. Every
 * key of a client carries the client's hash tag, so one decision touches one Redis Cluster slot. Keys expire by themselves: a window counter
 * at its window end plus {@link Builder#windowGrace}, computed relative to the caller's {@code now}.
 *
 * <p>Thread safe. Every method throws {@link UsageStoreException} within the command timeout when Redis
 * cannot be reached or fails; the connection reconnects by itself, and the next call after that
 * succeeds. A call that fails after its command reached Redis may or may not have been applied (retry
 * under an idempotency key to be safe); a store that created its client never re-sends a command on a
 * new connection.
 */
public final class RedisUsageStore implements UsageStore {

  private static final long DAY_MILLIS = 86_400_000L;

  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> redis;
  private final @Nullable AbstractRedisClient ownedClient;
  private final @Nullable ClientResources ownedResources;
  private final RedisKeys keys;
  /** The key prefix as bytes (ASCII by {@link RedisKeys#validPrefix}). */
  private final byte[] prefixBytes;
  private final Duration commandTimeout;
  private final long timeoutNanos;
  private final long graceMillis;
  private final long retentionMillis;
  private final Script charge;
  private final Script plainCharge;
  private final Script settle;
  private final Script usage;
  private final Script deleteHistory;
  private final RedisEventLog events;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RedisUsageStore(Builder b, StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> redis, @Nullable AbstractRedisClient ownedClient,
      @Nullable ClientResources ownedResources) {
    this.connection = connection;
    this.redis = redis;
    this.ownedClient = ownedClient;
    this.ownedResources = ownedResources;
    this.keys = new RedisKeys(b.keyPrefix);
    this.prefixBytes = keys.prefix().getBytes(StandardCharsets.US_ASCII);
    this.commandTimeout = b.commandTimeout;
    this.timeoutNanos = b.commandTimeout.toNanos();
    this.graceMillis = b.windowGrace.toMillis();
    this.retentionMillis = b.historyRetention.toMillis();
    String nonce = b.scriptNonce == null ? "" : "\n-- " + b.scriptNonce + "\n";
    this.charge = new Script(RedisScripts.CHARGE + nonce);
    this.plainCharge = new Script(RedisScripts.PLAIN_CHARGE + nonce);
    this.settle = new Script(RedisScripts.SETTLE + nonce);
    this.usage = new Script(RedisScripts.USAGE + nonce);
    this.deleteHistory = new Script(RedisScripts.DELETE_HISTORY + nonce);
    this.events = new RedisEventLog(this, keys, b.eventRetention.toMillis(), nonce,
        connection instanceof StatefulRedisClusterConnection<String, String> c ? c : null);
  }

  /**
   * Connects to {@code redisUrl} with the default settings.
   *
   * @throws IllegalArgumentException if the URL is malformed
   * @throws UsageStoreException if Redis cannot be reached within the command timeout
   * @see #builder(String)
   */
  public static RedisUsageStore connect(String redisUrl) {
    return builder(redisUrl).build();
  }

  /**
   * A builder of a store on its own client for {@code redisUrl}: {@code redis://} or {@code rediss://}
   * (TLS), with user, password and database as Lettuce reads them, e.g.
   * {@code rediss://default:secret@cache.example.com:6380/0}. The query parameter {@code keyPrefix} sets
   * {@link Builder#keyPrefix}, Lettuce's {@code timeout} (e.g. {@code timeout=500ms}) sets
   * {@link Builder#commandTimeout}. The store closes the client it creates.
   *
   * @throws IllegalArgumentException naming the URL (password masked) if it is malformed
   */
  public static Builder builder(String redisUrl) {
    RedisUrl url = RedisUrl.parse(Objects.requireNonNull(redisUrl, "redisUrl"));
    Builder b = new Builder(url.uri(), null, null);
    if (url.keyPrefix() != null) {
      b.keyPrefix(url.keyPrefix());
    }
    if (url.timeout() != null) {
      b.commandTimeout(url.timeout());
    }
    return b;
  }

  /** A builder of a store on its own client for {@code uri}; the store closes the client it creates. */
  public static Builder builder(RedisURI uri) {
    return new Builder(Objects.requireNonNull(uri, "uri"), null, null);
  }

  /**
   * A builder of a store that opens one connection of {@code client} and closes only that connection.
   * The client's {@link ClientOptions} apply: use {@code DisconnectedBehavior.REJECT_COMMANDS} so that calls
   * fail fast while Redis is unreachable (calls never wait longer than the command timeout either way).
   */
  public static Builder builder(RedisClient client) {
    return new Builder(null, Objects.requireNonNull(client, "client"), null);
  }

  /**
   * A builder of a store on Redis Cluster that opens one connection of {@code client} and closes only
   * that connection. Each decision's keys share one hash slot, so each goes to one node.
   */
  public static Builder builder(RedisClusterClient client) {
    return new Builder(null, null, Objects.requireNonNull(client, "client"));
  }

  // ---- UsageStore -----------------------------------------------------------------------------

  @Override
  public ChargeResult charge(ChargeRequest request) {
    long now = request.now();
    long epochDay = request.epochDay();
    long daysTtl = Math.max(1, (epochDay + 1) * DAY_MILLIS + retentionMillis - now);
    long oldestDay = Math.floorDiv(now - retentionMillis, DAY_MILLIS);
    if (isPlain(request)) {
      String outbox = request.event() == null ? null : events.newEventsOf(request.clientId());
      return plainCharge(new PlainChargeArguments(request, prefixBytes, RedisKeys.tag(request.clientId()),
          daysTtl, oldestDay, graceMillis, outbox));
    }
    String base = keys.base(request.clientId());
    String outbox = request.mode() == ChargeMode.CHARGE && request.event() != null
        ? events.outboxOf(base).newEvents() : null;
    ChargeArguments args = new ChargeArguments(request, base, daysTtl, oldestDay, graceMillis, outbox);
    List<Object> reply = eval(charge, ScriptOutputType.MULTI, args.keys, args.argv);
    long[] used = new long[reply.size() - 5];
    for (int i = 0; i < used.length; i++) {
      used[i] = number(reply.get(5 + i));
    }
    String held = reply.get(2).toString();
    return new ChargeResult(number(reply.get(0)) == 1, used, number(reply.get(1)) == 1,
        held.isEmpty() ? null : held, number(reply.get(3)), number(reply.get(4)));
  }

  /** Whether {@code request} is a plain charge: no idempotency key or operation (a usage event or not). */
  private static boolean isPlain(ChargeRequest request) {
    return request.mode() == ChargeMode.CHARGE && request.idempotencyKey() == null
        && request.operation() == null;
  }

  /** A plain charge by its own, leaner script ({@link RedisScripts#PLAIN_CHARGE}). */
  private ChargeResult plainCharge(PlainChargeArguments args) {
    long[] reply = evalLongs(plainCharge, args);
    if (reply.length != args.windows() + 1) {
      throw new UsageStoreException("unexpected reply from Redis: " + Arrays.toString(reply));
    }
    return new ChargeResult(reply[0] == 1, Arrays.copyOfRange(reply, 1, reply.length), false, null, 0, 0);
  }

  @Override
  public boolean settle(SettleRequest request) {
    String base = keys.base(request.clientId());
    EventRecord event = request.actualCredits() > 0 ? request.event() : null;
    String[] k = new String[event == null ? 2 : 3];
    k[0] = RedisKeys.reservations(base);
    k[1] = RedisKeys.reservation(base, request.reservationId());
    String[] a = new String[event == null ? 4 : 5];
    a[0] = base;
    a[1] = Long.toString(request.now());
    a[2] = request.reservationId();
    a[3] = Long.toString(request.actualCredits());
    if (event != null) {
      k[2] = events.outboxOf(base).newEvents();
      a[4] = event.payload();
    }
    List<Object> reply = eval(settle, ScriptOutputType.MULTI, k, a);
    long outcome = number(reply.get(0));
    if (outcome < 0) {
      Requirements.actualCredits(request.actualCredits(), number(reply.get(1)));
    }
    return outcome == 1;
  }

  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    String base = keys.base(clientId);
    String[] k = new String[1 + windows.size()];
    k[0] = RedisKeys.reservations(base);
    for (int i = 0; i < windows.size(); i++) {
      k[1 + i] = RedisKeys.window(base, windows.get(i));
    }
    String[] a = new String[3 + windows.size()];
    a[0] = base;
    a[1] = Long.toString(now);
    a[2] = Long.toString(graceMillis);
    for (int i = 0; i < windows.size(); i++) {
      a[3 + i] = Long.toString(windows.get(i).end());
    }
    List<Object> reply = eval(usage, ScriptOutputType.MULTI, k, a);
    long[] used = new long[windows.size()];
    for (int i = 0; i < used.length; i++) {
      used[i] = number(reply.get(i));
    }
    return used;
  }

  @Override
  public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
    return dailyTotals(RedisKeys.days(keys.base(clientId)), fromEpochDay, toEpochDay);
  }

  /** The daily totals of the operation, kept for charges that named it (one {@code HGETALL}). */
  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    return dailyTotals(RedisKeys.operationDays(keys.base(clientId), operation), fromEpochDay, toEpochDay);
  }

  private List<DayTotal> dailyTotals(String totals, long fromEpochDay, long toEpochDay) {
    Map<String, String> all = call(() -> redis.hgetall(totals));
    TreeMap<Long, Long> days = new TreeMap<>();
    for (Map.Entry<String, String> e : all.entrySet()) {
      long day = Long.parseLong(e.getKey());
      long credits = Long.parseLong(e.getValue());
      if (day >= fromEpochDay && day <= toEpochDay && credits != 0) {
        days.put(day, credits);
      }
    }
    List<DayTotal> result = new ArrayList<>(days.size());
    days.forEach((day, credits) -> result.add(new DayTotal(day, credits)));
    return result;
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    String base = keys.base(clientId);
    String[] k = {RedisKeys.days(base), RedisKeys.operations(base)};
    Long deleted = eval(deleteHistory, ScriptOutputType.INTEGER, k,
        Long.toString(fromEpochDay), Long.toString(toEpochDay), base);
    return deleted;
  }

  /**
   * The usage events recorded with charges: compact records in an outbox stream that exporters claim from
   * (on Redis Cluster one outbox per slot, in the client's slot), with a per-client index of each day's
   * entries for queries; kept for {@link Builder#eventRetention} and trimmed by the exporter's purge once
   * delivered.
   */
  @Override
  public Optional<UsageEventLog> eventLog() {
    return Optional.of(events);
  }

  /** Closes the connection, and the client and its threads when the store created them. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      connection.close();
    } finally {
      shutdown(ownedClient, ownedResources);
    }
  }

  private static void shutdown(@Nullable AbstractRedisClient client, @Nullable ClientResources resources) {
    try {
      if (client != null) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    } finally {
      if (resources != null) {
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public String toString() {
    return "RedisUsageStore[keyPrefix=" + keys.prefix() + ", commandTimeout=" + commandTimeout + "]";
  }

  // ---- internals ------------------------------------------------------------------------------

  /** The connection's commands, for the event log. */
  RedisClusterAsyncCommands<String, String> commands() {
    return redis;
  }

  /** The key layout, for tests of this package. */
  RedisKeys keys() {
    return keys;
  }

  /** The text of the decision script, for tests of this package. */
  String chargeScript() {
    return charge.text;
  }

  /** The text of the plain-charge script, for tests of this package. */
  String plainChargeScript() {
    return plainCharge.text;
  }

  /**
   * Runs a script by its SHA-1; after a NOSCRIPT (script cache flushed, failover) runs its text, which
   * loads it, within what is left of the same deadline.
   */
  <T> T eval(Script script, ScriptOutputType type, String[] k, String... a) {
    return eval(redis, script, type, k, a);
  }

  /** {@link #eval} on other commands of this store's connection (e.g. one cluster node's). */
  <T> T eval(RedisClusterAsyncCommands<String, String> on, Script script, ScriptOutputType type, String[] k,
      String... a) {
    long end = System.nanoTime() + timeoutNanos;
    try {
      return call(() -> on.evalsha(script.sha, type, k, a), timeoutNanos);
    } catch (RedisNoScriptException e) {
      return call(() -> on.eval(script.text, type, k, a), Math.max(1, end - System.nanoTime()));
    }
  }

  /**
   * Runs a script whose reply is an array of integers by its SHA-1 with {@code args} (numbers go to the
   * command as digits, and the reply into a {@code long[]}, without strings or boxes in between); after a
   * NOSCRIPT as {@link #eval} does.
   */
  private long[] evalLongs(Script script, PlainChargeArguments args) {
    long end = System.nanoTime() + timeoutNanos;
    try {
      return call(() -> redis.dispatch(CommandType.EVALSHA, new LongsOutput(), args.script(script.shaBytes)),
          timeoutNanos);
    } catch (RedisNoScriptException e) {
      byte[] text = script.text.getBytes(StandardCharsets.UTF_8);
      return call(() -> redis.dispatch(CommandType.EVAL, new LongsOutput(), args.script(text)),
          Math.max(1, end - System.nanoTime()));
    }
  }

  /** Loads every script (on every node of a cluster), so that calls can run them by SHA-1. */
  private void loadScripts() {
    List<Script> all = new ArrayList<>(List.of(charge, plainCharge, settle, usage, deleteHistory));
    all.addAll(events.scripts());
    for (Script s : all) {
      String loaded = call(() -> redis.scriptLoad(s.text));
      if (!loaded.equals(s.sha)) {
        throw new UsageStoreException("Redis knows a script by " + loaded + " instead of " + s.sha);
      }
    }
  }

  /**
   * Sends a command and waits for its answer at most the command timeout; turns every failure but
   * NOSCRIPT into a {@link UsageStoreException}.
   */
  <T> T call(Supplier<RedisFuture<T>> command) {
    return call(command, timeoutNanos);
  }

  private <T> T call(Supplier<RedisFuture<T>> command, long nanos) {
    if (closed.get()) {
      throw new UsageStoreException("the store is closed");
    }
    try {
      T result = LettuceFutures.awaitOrCancel(command.get(), nanos, TimeUnit.NANOSECONDS);
      if (result == null) {
        throw new UsageStoreException("Redis answered nothing");
      }
      return result;
    } catch (RedisNoScriptException e) {
      throw e;
    } catch (RedisCommandTimeoutException e) {
      throw new UsageStoreException("Redis did not answer within " + commandTimeout, e);
    } catch (UsageStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UsageStoreException("Redis command failed: " + e.getMessage(), e);
    }
  }

  static long number(Object o) {
    if (o instanceof Long l) {
      return l;
    }
    if (o instanceof String s) {
      return Long.parseLong(s);
    }
    throw new UsageStoreException("unexpected reply from Redis: " + o);
  }

  /** An array of integers, as a {@code long[]}; an element that is no integer fails the command. */
  static final class LongsOutput extends CommandOutput<String, String, long[]> {
    private int next;

    LongsOutput() {
      super(StringCodec.UTF8, null);
    }

    @Override
    public void multi(int count) {
      if (output == null) {
        output = new long[Math.max(count, 0)];
      }
    }

    @Override
    public void set(long integer) {
      if (output != null && next < output.length) {
        output[next++] = integer;
      }
    }

    @Override
    public void set(ByteBuffer bytes) {
      String text = bytes == null ? null : decodeString(bytes);
      try {
        set(Long.parseLong(text));
      } catch (NumberFormatException e) {
        setError("unexpected reply from Redis: " + text);
      }
    }
  }

  /** A script's text and the SHA-1 Redis knows it by. */
  static final class Script {
    final String text;
    final String sha;
    /** {@link #sha} as ASCII bytes. */
    final byte[] shaBytes;

    Script(String text) {
      this.text = text;
      this.sha = sha1(text);
      this.shaBytes = sha.getBytes(StandardCharsets.US_ASCII);
    }

    private static String sha1(String text) {
      try {
        byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
        StringBuilder b = new StringBuilder(40);
        for (byte x : d) {
          b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return b.toString();
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-1 is required of every Java platform", e);
      }
    }
  }

  /** Settings of a {@link RedisUsageStore}; every one has a default. Not thread safe. */
  public static final class Builder {
    private final @Nullable RedisURI uri;
    private final @Nullable RedisClient client;
    private final @Nullable RedisClusterClient clusterClient;
    private String keyPrefix = RedisKeys.DEFAULT_PREFIX;
    private Duration commandTimeout = Duration.ofSeconds(2);
    private Duration windowGrace = Duration.ofMinutes(5);
    private Duration historyRetention = Duration.ofDays(400);
    private Duration eventRetention = Duration.ofDays(30);
    private @Nullable String scriptNonce;

    private Builder(@Nullable RedisURI uri, @Nullable RedisClient client,
        @Nullable RedisClusterClient clusterClient) {
      this.uri = uri;
      this.client = client;
      this.clusterClient = clusterClient;
    }

    /**
     * What every key starts with (default {@code apibilling:}): 1 to 64 of {@code A-Z a-z 0-9 _ . : / -}.
     * Stores with the same prefix on the same Redis share usage.
     *
     * @throws IllegalArgumentException if it is not
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = RedisKeys.validPrefix(keyPrefix);
      return this;
    }

    /**
     * The deadline of one call (default 2 s): by then it has answered or thrown
     * {@link UsageStoreException}, whether Redis is slow, down, reconnecting (commands are rejected at
     * once while the connection is down) or behind a link that stopped answering; a script reloaded after
     * {@code NOSCRIPT} runs within the same deadline. Also the connect timeout of a client the store
     * creates.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = Requirements.positive("commandTimeout", commandTimeout);
      return this;
    }

    /**
     * How long a window counter outlives its window's end (default 5 minutes), for clocks of application
     * instances that lag behind each other.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder windowGrace(Duration windowGrace) {
      this.windowGrace = Requirements.positive("windowGrace", windowGrace);
      return this;
    }

    /**
     * How long daily totals are kept after their day (default 400 days).
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder historyRetention(Duration historyRetention) {
      this.historyRetention = Requirements.positive("historyRetention", historyRetention);
      return this;
    }

    /**
     * How long a client's usage events stay queryable after they were recorded (default 30 days): a day's
     * index of a client's events expires this long after the day ends (Redis' clock), and the exporter's
     * purge trims delivered events from the outbox only once they are this old.
     *
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder eventRetention(Duration eventRetention) {
      this.eventRetention = Requirements.positive("eventRetention", eventRetention);
      return this;
    }

    /** For tests: scripts get a unique text and are not loaded up front, so the first calls meet NOSCRIPT. */
    Builder unloadedScripts(String nonce) {
      this.scriptNonce = nonce;
      return this;
    }

    /**
     * Connects and loads the scripts.
     *
     * @throws UsageStoreException if Redis cannot be reached within the command timeout
     */
    public RedisUsageStore build() {
      if (client != null) {
        StatefulRedisConnection<String, String> c = connect(() -> client.connect(StringCodec.UTF8));
        return open(c, c.async(), null, null);
      }
      if (clusterClient != null) {
        StatefulRedisClusterConnection<String, String> c =
            connect(() -> clusterClient.connect(StringCodec.UTF8));
        return open(c, c.async(), null, null);
      }
      ClientResources resources = ClientResources.builder()
          .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2,
              TimeUnit.MILLISECONDS))
          .build();
      RedisURI target = RedisURI.builder(Objects.requireNonNull(uri)).withTimeout(commandTimeout).build();
      RedisClient created = RedisClient.create(resources, target);
      created.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          // TCP keep-alive notices a connection that died silently (no RST) within about 30 s
          .socketOptions(SocketOptions.builder()
              .connectTimeout(commandTimeout)
              .keepAlive(SocketOptions.KeepAliveOptions.builder()
                  .enable().idle(Duration.ofSeconds(15)).interval(Duration.ofSeconds(5)).count(3).build())
              .build())
          .build());
      StatefulRedisConnection<String, String> c;
      try {
        c = connect(() -> created.connect(StringCodec.UTF8));
      } catch (RuntimeException e) {
        shutdown(created, resources);
        throw e;
      }
      return open(c, c.async(), created, resources);
    }

    private static <C> C connect(Supplier<C> connect) {
      try {
        return connect.get();
      } catch (RuntimeException e) {
        throw new UsageStoreException("cannot connect to Redis: " + e.getMessage(), e);
      }
    }

    private RedisUsageStore open(StatefulConnection<String, String> connection,
        RedisClusterAsyncCommands<String, String> async, @Nullable AbstractRedisClient owned,
        @Nullable ClientResources resources) {
      connection.setTimeout(commandTimeout);
      RedisUsageStore store = new RedisUsageStore(this, connection, async, owned, resources);
      if (scriptNonce == null) {
        try {
          store.loadScripts();
        } catch (RuntimeException e) {
          store.close();
          throw e;
        }
      }
      return store;
    }
  }
}
