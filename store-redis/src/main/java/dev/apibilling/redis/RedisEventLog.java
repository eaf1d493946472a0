package dev.apibilling.redis;

import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The usage events of a {@link RedisUsageStore} on a single Redis: claims and delivery marks are one
 * script each (claims judged by the caller's clock, like every expiry of the store), the lag one
 * {@code XLEN}, a query {@code XRANGE} pages of the client's stream.
 */
final class RedisEventLog implements UsageEventLog {

  /** Stream ids compare as (milliseconds, sequence), not as text. */
  static final Comparator<String> STREAM_ORDER = Comparator
      .<String>comparingLong(id -> Long.parseLong(id.substring(0, id.indexOf('-'))))
      .thenComparingLong(id -> Long.parseLong(id.substring(id.indexOf('-') + 1)));

  private final RedisUsageStore store;
  private final RedisKeys keys;
  private final RedisUsageStore.Script claim;
  private final RedisUsageStore.Script delivered;

  RedisEventLog(RedisUsageStore store, RedisKeys keys, RedisUsageStore.Script claim,
      RedisUsageStore.Script delivered) {
    this.store = store;
    this.keys = keys;
    this.claim = claim;
    this.delivered = delivered;
  }

  List<RedisUsageStore.Script> scripts() {
    return List.of(claim, delivered);
  }

  @Override
  public List<StoredEvent> claim(String consumer, int max, long now, long leaseMillis) {
    String[] k = {keys.eventOutbox(), keys.eventClaims(), keys.eventCursor()};
    List<Object> reply = store.eval(claim, ScriptOutputType.MULTI, k, Long.toString(now),
        Long.toString(now + leaseMillis), Integer.toString(max));
    List<StoredEvent> events = new ArrayList<>(reply.size());
    for (Object o : reply) {
      List<?> entry = (List<?>) o;
      events.add(event(entry.get(0).toString(), fields((List<?>) entry.get(1))));
    }
    events.sort(Comparator.comparing(StoredEvent::position, STREAM_ORDER));
    return events;
  }

  @Override
  public void markDelivered(String consumer, List<StoredEvent> events, long now) {
    if (events.isEmpty()) {
      return;
    }
    String[] ids = events.stream().map(StoredEvent::position).toArray(String[]::new);
    store.<Long>eval(delivered, ScriptOutputType.INTEGER,
        new String[] {keys.eventOutbox(), keys.eventClaims()}, ids);
  }

  @Override
  public List<StoredEvent> events(String clientId, long from, long to, @Nullable String after, int limit) {
    String stream = RedisKeys.clientEvents(keys.base(clientId));
    List<StoredEvent> result = new ArrayList<>();
    Range.Boundary<String> lower = after == null ? Range.Boundary.unbounded() : Range.Boundary.excluding(after);
    int chunk = Math.max(limit, 100);
    for (;;) {
      Range<String> range = Range.from(lower, Range.Boundary.unbounded());
      List<StreamMessage<String, String>> page =
          store.call(() -> store.commands().xrange(stream, range, Limit.from(chunk)));
      for (StreamMessage<String, String> m : page) {
        StoredEvent e = event(m.getId(), m.getBody());
        if (e.time() >= from && e.time() < to) {
          result.add(e);
          if (result.size() >= limit) {
            return result;
          }
        }
      }
      if (page.size() < chunk) {
        return result;
      }
      lower = Range.Boundary.excluding(page.get(page.size() - 1).getId());
    }
  }

  @Override
  public long undelivered() {
    return store.call(() -> store.commands().xlen(keys.eventOutbox()));
  }

  /**
   * Does nothing and returns 0: a delivered event leaves the outbox at once, and a client's stream keeps
   * its events for the store's event retention.
   */
  @Override
  public long purgeDelivered(long deliveredBefore) {
    return 0;
  }

  private static Map<String, String> fields(List<?> flat) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(flat.get(i).toString(), flat.get(i + 1).toString());
    }
    return m;
  }

  private static StoredEvent event(String position, Map<String, String> f) {
    return new StoredEvent(position, f.get("c"), f.get("i"), Long.parseLong(f.get("t")), f.get("p"));
  }
}
