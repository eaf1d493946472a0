package dev.apibilling.redis;

import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The usage events of a {@link RedisUsageStore}: an outbox stream of compact records (one per store on a
 * single Redis, one per slot on Redis Cluster), claimed by scripts that judge claims by the caller's clock
 * (like every expiry of the store), and a per-client, per-day index of entry ids for queries.
 *
 * <p>On Redis Cluster a charge writes its event to the outbox of the client's slot, so a claim first tries
 * the outboxes where the last look found undelivered events and, when they do not fill the batch, asks
 * each master which of its slots' outboxes hold undelivered events (one script per master, over the slots
 * it serves) and claims from those, starting at a different one each time.
 */
final class RedisEventLog implements UsageEventLog {

  /** Stream ids compare as (milliseconds, sequence), not as text. */
  static final Comparator<String> STREAM_ORDER = Comparator
      .<String>comparingLong(id -> Long.parseLong(id.substring(0, id.indexOf('-'))))
      .thenComparingLong(id -> Long.parseLong(id.substring(id.indexOf('-') + 1)));

  private final RedisUsageStore store;
  private final RedisKeys keys;
  private final long retentionMillis;
  private final RedisUsageStore.Script claim;
  private final RedisUsageStore.Script delivered;
  private final RedisUsageStore.Script undelivered;
  private final RedisUsageStore.Script purge;
  private final RedisUsageStore.Script clientEvents;
  private final RedisUsageStore.Script probe;
  private final @Nullable StatefulRedisClusterConnection<String, String> cluster;
  private final AtomicInteger rotation = new AtomicInteger();
  /** The store's one outbox on a single Redis. */
  private final RedisKeys.Outbox single;
  /** On Redis Cluster: the outboxes the last look over the masters found undelivered events in. */
  private volatile List<RedisKeys.Outbox> pending = List.of();

  RedisEventLog(RedisUsageStore store, RedisKeys keys, long retentionMillis, String nonce,
      @Nullable StatefulRedisClusterConnection<String, String> cluster) {
    this.store = store;
    this.keys = keys;
    this.retentionMillis = retentionMillis;
    this.claim = new RedisUsageStore.Script(RedisScripts.CLAIM_EVENTS + nonce);
    this.delivered = new RedisUsageStore.Script(RedisScripts.DELIVERED_EVENTS + nonce);
    this.undelivered = new RedisUsageStore.Script(RedisScripts.UNDELIVERED_EVENTS + nonce);
    this.purge = new RedisUsageStore.Script(RedisScripts.PURGE_EVENTS + nonce);
    this.clientEvents = new RedisUsageStore.Script(RedisScripts.CLIENT_EVENTS + nonce);
    this.probe = new RedisUsageStore.Script(RedisScripts.PROBE_OUTBOXES + nonce);
    this.cluster = cluster;
    this.single = keys.outbox();
  }

  List<RedisUsageStore.Script> scripts() {
    return List.of(claim, delivered, undelivered, purge, clientEvents, probe);
  }

  /** The list of new events of the outbox the charges of {@code clientId} write their events to. */
  String newEventsOf(String clientId) {
    return cluster == null ? single.newEvents() : outboxOf(keys.base(clientId)).newEvents();
  }

  /** The outbox the charges of the client whose keys start with {@code base} write their events to. */
  RedisKeys.Outbox outboxOf(String base) {
    return cluster == null ? single : keys.outbox(RedisKeys.slot(base));
  }

  @Override
  public List<StoredEvent> claim(String consumer, int max, long now, long leaseMillis) {
    if (cluster == null) {
      return claim(single, max, now, leaseMillis);
    }
    List<StoredEvent> events = new ArrayList<>();
    List<RedisKeys.Outbox> tried = claimFrom(pending, events, max, now, leaseMillis);
    if (events.size() < max) {
      List<RedisKeys.Outbox> found = new ArrayList<>();
      outboxes().forEach((outbox, count) -> {
        if (count > 0 && !tried.contains(outbox)) {
          found.add(outbox);
        }
      });
      claimFrom(found, events, max, now, leaseMillis);
      pending = found;
    }
    return events;
  }

  /**
   * Claims from {@code outboxes}, starting at a different one each time, until {@code max} are claimed;
   * returns the outboxes it claimed from.
   */
  private List<RedisKeys.Outbox> claimFrom(List<RedisKeys.Outbox> outboxes, List<StoredEvent> events, int max,
      long now, long leaseMillis) {
    int start = outboxes.isEmpty() ? 0 : Math.floorMod(rotation.getAndIncrement(), outboxes.size());
    List<RedisKeys.Outbox> tried = new ArrayList<>();
    for (int i = 0; i < outboxes.size() && events.size() < max; i++) {
      RedisKeys.Outbox outbox = outboxes.get((start + i) % outboxes.size());
      tried.add(outbox);
      events.addAll(claim(outbox, max - events.size(), now, leaseMillis));
    }
    return tried;
  }

  private List<StoredEvent> claim(RedisKeys.Outbox outbox, int max, long now, long leaseMillis) {
    List<Object> reply = store.eval(claim, ScriptOutputType.MULTI, outbox.keys(), Long.toString(now),
        Long.toString(now + leaseMillis), Integer.toString(max), Long.toString(retentionMillis));
    List<StoredEvent> events = new ArrayList<>(reply.size());
    for (Object o : reply) {
      List<?> entry = (List<?>) o;
      events.add(event(entry.get(0).toString(), (List<?>) entry.get(1)));
    }
    events.sort(Comparator.comparing(StoredEvent::position, STREAM_ORDER));
    return events;
  }

  @Override
  public void markDelivered(String consumer, List<StoredEvent> events, long now) {
    Map<RedisKeys.Outbox, List<String>> byOutbox = new LinkedHashMap<>();
    for (StoredEvent e : events) {
      byOutbox.computeIfAbsent(outboxOf(keys.base(e.clientId())), o -> new ArrayList<>()).add(e.position());
    }
    byOutbox.forEach((outbox, ids) -> store.<Long>eval(delivered, ScriptOutputType.INTEGER,
        new String[] {outbox.claims()}, ids.toArray(String[]::new)));
  }

  @Override
  public List<StoredEvent> events(String clientId, long from, long to, @Nullable String after, int limit) {
    String base = keys.base(clientId);
    String[] k = {outboxOf(base).stream()};
    List<StoredEvent> result = new ArrayList<>();
    String last = after == null ? "" : after;
    int chunk = Math.max(limit, 100);
    for (;;) {
      List<Object> page = store.eval(clientEvents, ScriptOutputType.MULTI, k, base,
          Long.toString(retentionMillis), last, Integer.toString(chunk));
      for (int i = 2; i + 1 < page.size(); i += 2) {
        StoredEvent e = StoredEvent.fromPayload(page.get(i).toString(), page.get(i + 1).toString());
        if (e.time() >= from && e.time() < to) {
          result.add(e);
          if (result.size() >= limit) {
            return result;
          }
        }
      }
      long done = RedisUsageStore.number(page.get(0));
      if (done == 2) {
        continue; // the script filed outbox entries in their indexes and read none: ask again
      }
      last = page.get(1).toString();
      if (done == 1 || last.isEmpty()) {
        return result;
      }
    }
  }

  @Override
  public long undelivered() {
    if (cluster == null) {
      RedisKeys.Outbox o = single;
      Long count = store.eval(undelivered, ScriptOutputType.INTEGER, new String[] {o.stream(), o.claims(), o.claimed()});
      return count;
    }
    return outboxes().values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Trims delivered events recorded (by Redis' clock) before {@code deliveredBefore} and before the store's
   * event retention, which queries keep events for; never an undelivered or claimed one.
   */
  @Override
  public long purgeDelivered(long deliveredBefore) {
    List<RedisKeys.Outbox> all = cluster == null ? List.of(single) : List.copyOf(outboxes().keySet());
    long trimmed = 0;
    for (RedisKeys.Outbox o : all) {
      Long n = store.eval(purge, ScriptOutputType.INTEGER, o.keys(), Long.toString(deliveredBefore),
          Long.toString(retentionMillis));
      trimmed += n;
    }
    return trimmed;
  }

  /** Every outbox of the cluster that exists, with its undelivered events: one script per master. */
  private Map<RedisKeys.Outbox, Long> outboxes() {
    StatefulRedisClusterConnection<String, String> c = java.util.Objects.requireNonNull(cluster);
    Map<RedisKeys.Outbox, Long> found = new LinkedHashMap<>();
    for (RedisClusterNode node : c.getPartitions()) {
      if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM) || node.getSlots().isEmpty()) {
        continue;
      }
      List<Integer> slots = node.getSlots();
      String[] a = new String[1 + slots.size()];
      a[0] = keys.prefix();
      for (int i = 0; i < slots.size(); i++) {
        a[1 + i] = RedisKeys.SlotTags.tag(slots.get(i));
      }
      List<Object> reply = store.eval(c.getConnection(node.getNodeId()).async(), probe, ScriptOutputType.MULTI,
          new String[0], a);
      for (int i = 0; i + 1 < reply.size(); i += 2) {
        int slot = slots.get((int) RedisUsageStore.number(reply.get(i)) - 1);
        found.put(keys.outbox(slot), RedisUsageStore.number(reply.get(i + 1)));
      }
    }
    return found;
  }

  /** An outbox entry: a compact record (field e), or the JSON and fields an older version wrote. */
  private static StoredEvent event(String position, List<?> flat) {
    Map<String, String> f = new java.util.HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      f.put(flat.get(i).toString(), flat.get(i + 1).toString());
    }
    String record = f.get("e");
    if (record != null) {
      return StoredEvent.fromPayload(position, record);
    }
    return new StoredEvent(position, f.get("c"), f.get("i"), Long.parseLong(f.get("t")), f.get("p"));
  }
}
