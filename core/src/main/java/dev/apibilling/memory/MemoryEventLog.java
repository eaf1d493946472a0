package dev.apibilling.memory;

import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The in-memory store's usage events: a bounded log in record order. Appended to while the charging
 * client's monitor is held, so an event exists if and only if its credits counted. When the log is full
 * the oldest event is dropped, delivered or not (and counted in {@link #dropped()}): size it above what
 * accumulates between exports and the retention. Thread safe (one lock).
 */
final class MemoryEventLog implements UsageEventLog {

  private final int capacity;
  private final TreeMap<Long, Entry> all = new TreeMap<>();
  private final TreeMap<Long, Entry> undelivered = new TreeMap<>();
  private long nextSeq = 1;
  private long dropped;

  MemoryEventLog(int capacity) {
    this.capacity = capacity;
  }

  synchronized void append(String clientId, EventRecord event) {
    if (all.size() >= capacity) {
      Map.Entry<Long, Entry> oldest = all.pollFirstEntry();
      if (undelivered.remove(oldest.getKey()) != null) {
        dropped++;
      }
    }
    Entry e = new Entry(nextSeq++, clientId, event);
    all.put(e.seq, e);
    undelivered.put(e.seq, e);
  }

  /** Undelivered events dropped because the log was full. */
  synchronized long dropped() {
    return dropped;
  }

  @Override
  public synchronized List<StoredEvent> claim(String consumer, int max, long now, long leaseMillis) {
    List<StoredEvent> claimed = new ArrayList<>(Math.min(max, undelivered.size()));
    for (Entry e : undelivered.values()) {
      if (claimed.size() >= max) {
        break;
      }
      if (e.claimedUntil <= now) {
        e.claimedBy = consumer;
        e.claimedUntil = now + leaseMillis;
        claimed.add(e.stored());
      }
    }
    return claimed;
  }

  @Override
  public synchronized void markDelivered(String consumer, List<StoredEvent> events, long now) {
    for (StoredEvent s : events) {
      Entry e = undelivered.remove(Long.parseLong(s.position()));
      if (e != null) {
        e.deliveredAt = now;
      }
    }
  }

  @Override
  public synchronized List<StoredEvent> events(String clientId, long from, long to, @Nullable String after,
      int limit) {
    List<StoredEvent> result = new ArrayList<>();
    Map<Long, Entry> range = after == null ? all : all.tailMap(Long.parseLong(after), false);
    for (Entry e : range.values()) {
      if (result.size() >= limit) {
        break;
      }
      if (e.clientId.equals(clientId) && e.event.time() >= from && e.event.time() < to) {
        result.add(e.stored());
      }
    }
    return result;
  }

  @Override
  public synchronized long undelivered() {
    return undelivered.size();
  }

  @Override
  public synchronized long purgeDelivered(long deliveredBefore) {
    long n = 0;
    for (Iterator<Entry> it = all.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.deliveredAt != Long.MIN_VALUE && e.deliveredAt <= deliveredBefore) {
        it.remove();
        n++;
      }
    }
    return n;
  }

  private static final class Entry {
    final long seq;
    final String clientId;
    final EventRecord event;
    @Nullable String claimedBy;
    long claimedUntil = Long.MIN_VALUE;
    long deliveredAt = Long.MIN_VALUE;

    Entry(long seq, String clientId, EventRecord event) {
      this.seq = seq;
      this.clientId = clientId;
      this.event = event;
    }

    StoredEvent stored() {
      return new StoredEvent(Long.toString(seq), clientId, event.id(), event.time(), event.payload());
    }
  }
}
