package dev.apibilling.benchmarks;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Counts what one side of a Redis benchmark sends, during measurement iterations only: decisions (the
 * benchmark calls {@link #decided()}), commands its Lettuce client wrote (a {@link CommandListener}: the
 * round trips, since each command is one request and one reply), and the server's {@code INFO commandstats}
 * deltas per command. Redis 7 counts commands a Lua script runs in commandstats too, so the server's total
 * is more than the round trips; {@code eval}/{@code evalsha} calls are the scripts. commandstats is server
 * wide, so other clients running at the same time add to it; the client-side count is exact.
 */
final class RedisCounters {

  static final String URL = System.getenv().getOrDefault("APIBILLING_REDIS_URL", "redis://127.0.0.1:6379");

  /** Keys of a run start with this and a random part, and are deleted when the trial ends. */
  final String prefix = "apibilling-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";

  private final OpCounter decisions = new OpCounter();
  private final LongAdder sent = new LongAdder();
  private final RedisClient adminClient;
  private final StatefulRedisConnection<String, String> admin;
  private final String benchmark;

  private long sentAtStart;
  private double redisCpuAtStart;
  private double measuredRedisCpu;
  private Map<String, Long> statsAtStart = Map.of();
  private long measuredSent;
  private final Map<String, Long> measuredCommands = new TreeMap<>();
  private Map<String, Long> usecAtStart = Map.of();
  private long measuredScriptMicros;

  RedisCounters(BenchmarkParams params) {
    this.benchmark = params.getBenchmark();
    this.adminClient = RedisClient.create(URL);
    this.admin = adminClient.connect();
  }

  /** A client whose commands are counted. */
  RedisClient countedClient() {
    RedisClient client = RedisClient.create(RedisURI.create(URL));
    client.addListener(new CommandListener() {
      @Override
      public void commandStarted(CommandStartedEvent event) {
        sent.increment();
      }
    });
    return client;
  }

  /** Counts one decision. */
  void decided() {
    decisions.increment();
  }

  void beginIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      statsAtStart = commandStats("calls=");
      usecAtStart = commandStats("usec=");
      redisCpuAtStart = redisCpuSeconds();
      sentAtStart = sent.sum();
      decisions.beginIteration(iteration);
    }
  }

  void endIteration(IterationParams iteration) {
    if (iteration.getType() == IterationType.MEASUREMENT) {
      decisions.endIteration(iteration);
      measuredSent += sent.sum() - sentAtStart;
      measuredRedisCpu += redisCpuSeconds() - redisCpuAtStart;
      Map<String, Long> now = commandStats("calls=");
      Map<String, Long> usec = commandStats("usec=");
      for (String script : new String[] {"eval", "evalsha"}) {
        measuredScriptMicros += usec.getOrDefault(script, 0L) - usecAtStart.getOrDefault(script, 0L);
      }
      now.forEach((cmd, calls) -> {
        long delta = calls - statsAtStart.getOrDefault(cmd, 0L);
        if (delta > 0 && !cmd.equals("info")) {
          measuredCommands.merge(cmd, delta, Long::sum);
        }
      });
    }
  }

  /** Records the counts per decision for {@link Suite}, deletes this run's keys, closes the admin client. */
  void finish() {
    Map<String, String> values = new LinkedHashMap<>();
    long measuredDecisions = decisions.measuredOps();
    decisions.putInto(values);
    values.put("serverCpuMicros", Extras.perDecision(Math.round(measuredRedisCpu * 1e6), measuredDecisions));
    values.put("roundTrips", Extras.perDecision(measuredSent, measuredDecisions));
    long serverTotal = measuredCommands.values().stream().mapToLong(Long::longValue).sum();
    values.put("serverCommands", Extras.perDecision(serverTotal, measuredDecisions));
    long scripts = measuredCommands.getOrDefault("evalsha", 0L) + measuredCommands.getOrDefault("eval", 0L);
    values.put("scripts", Extras.perDecision(scripts, measuredDecisions));
    values.put("scriptMicros", Extras.perDecision(measuredScriptMicros, measuredDecisions));
    StringBuilder byCommand = new StringBuilder();
    measuredCommands.forEach((cmd, calls) -> {
      String per = Extras.perDecision(calls, measuredDecisions);
      if (!per.equals("0.00")) {
        byCommand.append(byCommand.length() == 0 ? "" : " ").append(cmd).append(':').append(per);
      }
    });
    values.put("byCommand", byCommand.toString());
    Extras.record(benchmark, values);
    deleteKeys();
    admin.close();
    adminClient.shutdown();
  }

  /** CPU seconds the Redis server used so far ({@code INFO cpu}: used_cpu_sys + used_cpu_user). */
  private double redisCpuSeconds() {
    double seconds = 0;
    for (String line : admin.sync().info("cpu").split("\r?\n")) {
      if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
        seconds += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return seconds;
  }

  /** One field ({@code calls=} or {@code usec=}) of every command in {@code INFO commandstats}. */
  private Map<String, Long> commandStats(String field) {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : admin.sync().info("commandstats").split("\r?\n")) {
      // cmdstat_evalsha:calls=12,usec=...,usec_per_call=...,rejected_calls=0,failed_calls=0
      if (line.startsWith("cmdstat_")) {
        int colon = line.indexOf(':');
        int start = line.indexOf(field, colon) + field.length();
        int end = line.indexOf(',', start);
        calls.put(line.substring("cmdstat_".length(), colon), Long.parseLong(line.substring(start, end)));
      }
    }
    return calls;
  }

  private void deleteKeys() {
    RedisCommands<String, String> redis = admin.sync();
    ScanCursor cursor = ScanCursor.INITIAL;
    ScanArgs match = ScanArgs.Builder.matches(prefix + "*").limit(1000);
    do {
      KeyScanCursor<String> page = redis.scan(cursor, match);
      if (!page.getKeys().isEmpty()) {
        redis.unlink(page.getKeys().toArray(new String[0]));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }
}
