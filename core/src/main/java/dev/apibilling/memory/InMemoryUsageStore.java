package dev.apibilling.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.apibilling.Requirements;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link UsageStore} in this JVM's memory, on a bounded Caffeine cache of per-client state. Exact and
 * linearizable per client: one monitor per client, and plain charges of a client's current windows by one
 * compare-and-set instead (see {@link #chargeQuickly}); usage is lost when the JVM stops, so use it for one
 * instance, tests and demos, and a Redis or JDBC store to share a budget between instances.
 *
 * <p>Windows are dropped once they end, idempotency records and reservations once they expire, daily
 * totals after the history retention; a client whose state has all expired is dropped by a sweep that
 * runs at most once per {@link Builder#sweepInterval}. When more than {@link Builder#maximumClients}
 * clients hold state, the least valuable are evicted, and their usage with them: size the bound above the
 * number of clients active within your longest window.
 */
public final class InMemoryUsageStore implements UsageStore {

  /** Quick charges record the client's access with the cache once every 2^ACCESS_SHIFT credits. */
  private static final int ACCESS_SHIFT = 6;

  private final Cache<String, ClientState> clients;
  private final Function<String, ClientState> factory;
  private final long historyRetentionMillis;
  private final long sweepIntervalMillis;
  private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);
  private final ReentrantLock sweeping = new ReentrantLock();
  private final MemoryEventLog events;

  private InMemoryUsageStore(Builder b) {
    this.clients = Caffeine.newBuilder()
        .maximumSize(b.maximumClients)
        .evictionListener((String k, ClientState s, RemovalCause c) -> markRemoved(s))
        .build();
    this.historyRetentionMillis = b.historyRetention.toMillis();
    this.factory = k -> new ClientState();
    this.sweepIntervalMillis = b.sweepInterval.toMillis();
    this.events = new MemoryEventLog(b.maximumEvents);
  }

  /** A store with the default settings. */
  public static InMemoryUsageStore create() {
    return builder().build();
  }

  /** A builder of a store. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ChargeResult charge(ChargeRequest request) {
    maybeSweep(request.now());
    ChargeResult result = locked(request.clientId(), true, s -> {
      ChargeResult r = s.charge(request);
      EventRecord event = request.event();
      if (event != null && r.granted() && !r.replayed() && request.mode() == ChargeMode.CHARGE) {
        events.append(request.clientId(), event);
      }
      return r;
    });
    return Objects.requireNonNull(result);
  }

  /** The client's state, or null if it has none yet. */
  @Override
  public @Nullable Object quickHandle(String clientId) {
    return clients.getIfPresent(clientId);
  }

  /**
   * Decides a plain charge without the client's monitor when the client's state is hot for these windows
   * (see {@link ClientState}); otherwise returns null and the caller makes the full {@link #charge} call.
   * A state the cache dropped is cold for good, so a stale handle gets null. The charge does not go
   * through the cache: once every 64 credits it records the client's access there, so that a busy client
   * does not look idle to the cache's eviction.
   */
  @Override
  public long @Nullable [] chargeQuickly(Object handle, String clientId, List<WindowSlot> windows, long credits,
      long epochDay, long now) {
    maybeSweep(now);
    long[] used = ((ClientState) handle).chargeQuickly(windows, credits, epochDay);
    if (used != null && used[0] >>> ACCESS_SHIFT != (used[0] - credits) >>> ACCESS_SHIFT) {
      clients.getIfPresent(clientId);
    }
    return used;
  }

  @Override
  public boolean settle(SettleRequest request) {
    Boolean settled = locked(request.clientId(), false, s -> {
      boolean done = s.settle(request);
      EventRecord event = request.event();
      if (done && event != null && request.actualCredits() > 0) {
        events.append(request.clientId(), event);
      }
      return done;
    });
    return settled != null && settled;
  }

  @Override
  public long[] usage(String clientId, List<WindowSlot> windows, long now) {
    long[] used = locked(clientId, false, s -> s.usage(windows, now));
    return used != null ? used : new long[windows.size()];
  }

  @Override
  public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
    List<DayTotal> result = new ArrayList<>();
    Map<Long, Long> days = locked(clientId, false, s -> s.history(fromEpochDay, toEpochDay));
    if (days != null) {
      for (Map.Entry<Long, Long> e : days.entrySet()) {
        result.add(new DayTotal(e.getKey(), e.getValue()));
      }
    }
    return result;
  }

  @Override
  public List<DayTotal> history(String clientId, String operation, long fromEpochDay, long toEpochDay) {
    List<DayTotal> result = new ArrayList<>();
    Map<Long, Long> days = locked(clientId, false, s -> s.history(operation, fromEpochDay, toEpochDay));
    if (days != null) {
      for (Map.Entry<Long, Long> e : days.entrySet()) {
        result.add(new DayTotal(e.getKey(), e.getValue()));
      }
    }
    return result;
  }

  @Override
  public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
    Long days = locked(clientId, false, s -> s.deleteHistory(fromEpochDay, toEpochDay));
    return days != null ? days : 0;
  }

  /**
   * Runs {@code action} on the client's live state under its monitor; a state the cache dropped meanwhile
   * is looked up again. Returns null when the client has no state and {@code create} is false.
   */
  private <T> @Nullable T locked(String clientId, boolean create, Function<ClientState, T> action) {
    for (;;) {
      ClientState s = create ? clients.get(clientId, factory) : clients.getIfPresent(clientId);
      if (s == null) {
        return null;
      }
      synchronized (s) {
        if (!s.removed) {
          return action.apply(s);
        }
      }
    }
  }

  /** The usage events recorded with charges, in a log bounded by {@link Builder#maximumEvents}. */
  @Override
  public Optional<UsageEventLog> eventLog() {
    return Optional.of(events);
  }

  /** The number of clients holding state (an estimate while other threads write). */
  public long clientCount() {
    return clients.estimatedSize();
  }

  /** Drops every client whose state has all expired at {@code now} (epoch milliseconds). */
  public void sweep(long now) {
    sweeping.lock();
    try {
      for (String clientId : List.copyOf(clients.asMap().keySet())) {
        clients.asMap().computeIfPresent(clientId, (k, s) -> {
          synchronized (s) {
            if (s.sweep(now, historyRetentionMillis)) {
              s.removed = true;
              return null;
            }
            return s;
          }
        });
      }
      clients.cleanUp();
    } finally {
      sweeping.unlock();
    }
  }

  private void maybeSweep(long now) {
    long due = nextSweep.get();
    if (now >= due && nextSweep.compareAndSet(due, now + sweepIntervalMillis) && due != Long.MIN_VALUE) {
      if (sweeping.tryLock()) {
        try {
          sweep(now);
        } finally {
          sweeping.unlock();
        }
      }
    }
  }

  private static void markRemoved(ClientState s) {
    synchronized (s) {
      s.cool();
      s.removed = true;
    }
  }

  /** Settings of an {@link InMemoryUsageStore}. */
  public static final class Builder {
    private long maximumClients = 1_000_000;
    private Duration historyRetention = Duration.ofDays(400);
    private Duration sweepInterval = Duration.ofMinutes(1);
    private int maximumEvents = 100_000;

    private Builder() {}

    /** The most clients to hold state for (default 1,000,000); beyond it the least valuable are evicted. */
    public Builder maximumClients(long maximumClients) {
      if (maximumClients <= 0) {
        throw new IllegalArgumentException("maximumClients must be > 0 but was " + maximumClients);
      }
      this.maximumClients = maximumClients;
      return this;
    }

    /** How long daily totals are kept (default 400 days). */
    public Builder historyRetention(Duration retention) {
      this.historyRetention = Requirements.positive("historyRetention", retention);
      return this;
    }

    /** How often, at most, expired clients are dropped (default 1 minute of the callers' clock). */
    public Builder sweepInterval(Duration interval) {
      this.sweepInterval = Requirements.positive("sweepInterval", interval);
      return this;
    }

    /**
     * The most usage events the log holds (default 100,000); beyond it the oldest is dropped, delivered
     * or not, so export more often than the log fills.
     */
    public Builder maximumEvents(int maximumEvents) {
      this.maximumEvents = Requirements.between("maximumEvents", maximumEvents, Integer.MAX_VALUE);
      return this;
    }

    public InMemoryUsageStore build() {
      return new InMemoryUsageStore(this);
    }
  }
}
