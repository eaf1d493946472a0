package dev.apibilling;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import dev.apibilling.spi.WindowSlot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The burn-rate forecasts of one billing, as described on {@link ForecastSettings}: per client and quota,
 * a decayed sum of the credits seen in the counts that decisions and status reads return. Thread safe;
 * each client's entry is guarded by its own lock, except for the commonest observation (no listeners, the
 * same millisecond and windows as the last one), which only records the latest counts: the decayed sum is
 * kept as {@code base + lastUsed}, so within a millisecond (where nothing decays) that is all that changes.
 * Those counts go to a slot of the calling thread's own (one cache line per slot, see {@link Track#latest}),
 * so threads deciding for one client write no line in common here; the lock folds the slots back in.
 */
final class Forecaster {

  private final double horizon;
  private final Map<String, Long> reserves;
  private final Cache<String, Trend> trends;
  private final Policy<String, Trend> quietly;

  private Forecaster(ForecastSettings settings) {
    this.horizon = settings.horizon();
    this.reserves = settings.predictiveReserves();
    this.trends = Caffeine.newBuilder()
        .maximumSize(settings.maximumClients())
        .executor(Runnable::run)
        .build();
    this.quietly = trends.policy();
  }

  /** A forecaster for {@code settings}, or null when forecasts are off. */
  static @Nullable Forecaster of(ForecastSettings settings) {
    return settings.enabled() ? new Forecaster(settings) : null;
  }

  /**
   * Takes in the counts of a decision or status read made at {@code now}, then tells the listeners of
   * each limited quota whose projection reached its limit for the first time in the window, or came back
   * within it for the first time after that ({@link BillingListener#onProjectionCrossed}).
   */
  void observe(String clientId, Plan.Snapshot windows, long[] used, long now, BillingListener[] listeners) {
    // looked up quietly: the cache hears of the access by the lookup below, at least once per millisecond
    Trend trend = listeners.length != 0 ? null : quietly.getIfPresentQuietly(clientId);
    if (trend == null || !trend.observeInSameMillisecond(windows, used, now)) {
      observeLocked(clientId, trends.get(clientId, id -> new Trend()), windows, used, now, listeners);
    }
  }

  private void observeLocked(String clientId, Trend trend, Plan.Snapshot windows, long[] used, long now,
      BillingListener[] listeners) {
    int n = used.length;
    QuotaForecast[] events = null;
    boolean[] over = null;
    synchronized (trend) {
      Track[] tracks = trend.tracks(windows);
      for (int i = 0; i < n; i++) {
        WindowSlot slot = windows.slots.get(i);
        Track t = tracks[i];
        t.observe(slot, used[i], now, tau(slot));
        if (listeners.length == 0 || slot.unlimited() || slot.limit() == 0 || t.lastAt != now) {
          continue;
        }
        QuotaForecast f = t.forecast(windows.quotas.get(i).limit(), used[i], now, tau(slot));
        boolean isOver = f.exhaustsAt() != null;
        if (isOver ? !t.overReported : t.overReported && !t.backReported) {
          if (isOver) {
            t.overReported = true;
          } else {
            t.backReported = true;
          }
          if (events == null) {
            events = new QuotaForecast[n];
            over = new boolean[n];
          }
          events[i] = f;
          over[i] = isOver;
        }
      }
    }
    if (events != null) {
      List<QuotaState> states = windows.states(used);
      for (int i = 0; i < n; i++) {
        if (events[i] != null) {
          QuotaState quota = states.get(i).withForecast(events[i]);
          for (BillingListener l : listeners) {
            try {
              l.onProjectionCrossed(clientId, quota, over[i]);
            } catch (RuntimeException ignored) {
              // listeners must not break billing
            }
          }
        }
      }
    }
  }

  /**
   * A reservation of the client gave credits back, so its counts went down: folds the counts recorded
   * without the lock before any lower one is recorded, as a fold keeps the highest.
   */
  void countsDropped(String clientId) {
    Trend trend = trends.getIfPresent(clientId);
    if (trend != null) {
      synchronized (trend) {
        for (Track t : trend.tracks) {
          t.fold();
        }
      }
    }
  }

  /** Observes a status read's counts and returns the quota states with their forecasts. */
  List<QuotaState> states(String clientId, Plan.Snapshot windows, long[] used, long now,
      BillingListener[] listeners) {
    observe(clientId, windows, used, now, listeners);
    Trend trend = trends.get(clientId, id -> new Trend());
    List<QuotaState> states = windows.states(used);
    List<QuotaState> forecast = new ArrayList<>(states.size());
    synchronized (trend) {
      Track[] tracks = trend.tracks(windows);
      for (int i = 0; i < states.size(); i++) {
        WindowSlot slot = windows.slots.get(i);
        forecast.add(states.get(i).withForecast(
            tracks[i].forecast(windows.quotas.get(i).limit(), used[i], now, tau(slot))));
      }
    }
    return List.copyOf(forecast);
  }

  /**
   * The windows to decide with: a quota with a predictive reserve whose projection (from the last counts
   * seen) reaches its limit before the reset may use only {@code limit - reserve}.
   */
  Plan.Snapshot guard(String clientId, Plan.Snapshot windows, long now) {
    if (reserves.isEmpty()) {
      return windows;
    }
    long[] limits = null;
    boolean[] over = predicted(clientId, windows, now);
    for (int i = 0; over != null && i < over.length; i++) {
      WindowSlot slot = windows.slots.get(i);
      Long reserve = reserves.get(slot.policy());
      if (reserve != null && over[i]) {
        if (limits == null) {
          limits = new long[over.length];
          for (int j = 0; j < limits.length; j++) {
            limits[j] = windows.slots.get(j).limit();
          }
        }
        limits[i] = Math.max(0, slot.limit() - reserve);
      }
    }
    return limits == null ? windows : windows.withLimits(limits);
  }

  /**
   * Per quota, whether its projection from the last counts seen reaches the limit before the reset; null
   * when the client has not been seen.
   */
  boolean @Nullable [] predicted(String clientId, Plan.Snapshot windows, long now) {
    Trend trend = trends.getIfPresent(clientId);
    if (trend == null) {
      return null;
    }
    boolean[] over = new boolean[windows.slots.size()];
    synchronized (trend) {
      Track[] tracks = trend.tracks(windows);
      for (int i = 0; i < tracks.length; i++) {
        WindowSlot slot = windows.slots.get(i);
        Track t = tracks[i];
        over[i] = !slot.unlimited() && t.seen && t.windowStart == slot.start() && now >= t.lastAt
            && t.forecast(slot.limit(), t.lastUsed(), now, tau(slot)).exhaustsAt() != null;
      }
    }
    return over;
  }

  private double tau(WindowSlot slot) {
    return horizon * (slot.end() - slot.start());
  }

  /**
   * One client's tracks, in the order of the quotas last asked for; a charge of an operation sees only
   * some of the client's quotas, so the tracks of the others are kept by slot name until asked again.
   */
  private static final class Trend {
    private volatile Track[] tracks = new Track[0];
    private final Map<String, Track> kept = new HashMap<>();

    /**
     * Without the lock: when every track last observed the same windows at {@code now}, records the
     * counts and returns true; otherwise changes nothing and returns false.
     */
    boolean observeInSameMillisecond(Plan.Snapshot windows, long[] used, long now) {
      Track[] ts = tracks;
      List<WindowSlot> slots = windows.slots;
      if (ts.length != used.length) {
        return false;
      }
      for (int i = 0; i < ts.length; i++) {
        Track t = ts[i];
        WindowSlot slot = slots.get(i);
        if ((long) Track.LAST_AT.getOpaque(t) != now || t.windowStart != slot.start() || t.windowEnd != slot.end()
            || !t.policy.equals(slot.policy())) {
          return false;
        }
      }
      int slot = Track.slot();
      for (int i = 0; i < ts.length; i++) {
        ts[i].record(slot, used[i]);
      }
      return true;
    }

    /**
     * Under the lock: the tracks of {@code windows}' quotas, carrying over those of slot names seen before,
     * with the counts recorded without the lock folded in.
     */
    Track[] tracks(Plan.Snapshot windows) {
      for (Track t : tracks) {
        t.fold();
      }
      List<WindowSlot> slots = windows.slots;
      boolean same = tracks.length == slots.size();
      for (int i = 0; same && i < tracks.length; i++) {
        same = tracks[i].policy.equals(slots.get(i).policy());
      }
      if (!same) {
        for (Track t : tracks) {
          kept.put(t.policy, t);
        }
        Track[] next = new Track[slots.size()];
        for (int i = 0; i < next.length; i++) {
          next[i] = kept.computeIfAbsent(slots.get(i).policy(), Track::new);
          next[i].fold(); // a track coming back may hold counts recorded while it was last in use
        }
        if (kept.size() > 4 * next.length + 16) {
          kept.clear(); // a plan change left names no quota has any more
        }
        tracks = next;
      }
      return tracks;
    }
  }

  /** The decayed sum of one quota of one client. */
  private static final class Track {
    static final VarHandle LAST_AT;
    static final VarHandle LATEST;
    static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);
    /** Slots of {@link #latest}: a power of two, about the number of processors. */
    static final int SLOTS = Math.min(16, Integer.highestOneBit(
        Math.max(2, Runtime.getRuntime().availableProcessors() * 2 - 1)));
    /**
     * Longs between two slots: 128 bytes, so two slots never share a cache line, nor the pair of lines
     * that some processors fetch together.
     */
    static final int STRIDE = 16;
    /** A slot with no count recorded since the last fold. */
    static final long NONE = -1;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        LAST_AT = lookup.findVarHandle(Track.class, "lastAt", long.class);
        LATEST = lookup.findVarHandle(Track.class, "latest", long[].class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** The calling thread's slot (threads whose ids collide share one, as all threads did before). */
    static int slot() {
      return (int) Thread.currentThread().getId() & (SLOTS - 1);
    }

    final String policy;
    boolean seen;
    long since;
    long windowStart;
    long windowEnd;
    long lastAt;
    /** The count last seen, as of the last {@link #fold}. */
    long lastUsed;
    /**
     * The counts seen without the lock since the last {@link #fold}, one slot per thread (index
     * {@code slot * STRIDE}), {@link #NONE} where none; null until the first. A slot holds its thread's
     * latest count, and the fold takes the highest of them: a window's count only grows between the
     * settlements that give credits back, and {@link Forecaster#countsDropped} folds before those. (A count
     * that goes down otherwise, by a reservation expiring or a background settlement, and is seen in the
     * same millisecond by another thread than the higher one, is taken in at the next millisecond; so is
     * one whose thread races the fold, as with the single field written by every thread before.)
     */
    private volatile long @Nullable [] latest;
    /** The decayed sum minus {@link #lastUsed}. */
    double base;
    boolean overReported;
    boolean backReported;

    Track(String policy) {
      this.policy = policy;
    }

    void observe(WindowSlot slot, long used, long now, double tau) {
      double sum;
      if (!seen) {
        long elapsed = now - slot.start();
        seen = true;
        since = slot.start();
        sum = elapsed <= 0 ? used : used * tau / elapsed * -StrictMath.expm1(-elapsed / tau);
      } else if (now < lastAt) {
        return;
      } else if (slot.start() != windowStart) {
        sum = sum() * decay(now - lastAt, tau) + used;
        overReported = false;
        backReported = false;
      } else {
        sum = sum() * decay(now - lastAt, tau) + (used - lastUsed());
      }
      base = sum - used;
      windowStart = slot.start();
      windowEnd = slot.end();
      lastUsed = used;
      LAST_AT.setOpaque(this, now);
    }

    long lastUsed() {
      return lastUsed;
    }

    /** Without the lock: records {@code used} as the calling thread's latest count. */
    void record(int slot, long used) {
      long[] l = latest;
      if (l == null) {
        long[] fresh = new long[SLOTS * STRIDE];
        Arrays.fill(fresh, NONE);
        l = LATEST.compareAndSet(this, null, fresh) ? fresh : latest;
      }
      ELEMENT.setOpaque(l, slot * STRIDE, used);
    }

    /** Under the lock: takes the counts recorded without it into {@link #lastUsed}, emptying the slots. */
    void fold() {
      long[] l = latest;
      if (l == null) {
        return;
      }
      long newest = NONE;
      for (int i = 0; i < l.length; i += STRIDE) {
        if ((long) ELEMENT.getOpaque(l, i) != NONE) {
          newest = Math.max(newest, (long) ELEMENT.getAndSet(l, i, NONE));
        }
      }
      if (newest != NONE) {
        lastUsed = newest;
      }
    }

    /** The decayed sum as of {@link #lastAt}. */
    double sum() {
      return base + lastUsed();
    }

    /** The forecast at {@code now} for {@code used} credits counted against {@code limit}. */
    QuotaForecast forecast(long limit, long used, long now, double tau) {
      long at = Math.max(now, lastAt);
      double s = Math.max(0, sum() * decay(at - lastAt, tau));
      double age = Math.max(at - since, tau);
      double perMilli = s / (tau * -StrictMath.expm1(-age / tau));
      long left = Math.max(0, windowEnd - at);
      long projected = Math.round(used + perMilli * left);
      Instant exhausts = null;
      if (limit != QuotaDefinition.UNLIMITED) {
        if (used >= limit) {
          exhausts = Instant.ofEpochMilli(at);
        } else if (perMilli > 0) {
          double millis = (limit - used) / perMilli;
          if (millis < left) {
            exhausts = Instant.ofEpochMilli(Math.min(windowEnd - 1, at + (long) Math.ceil(millis)));
          }
        }
      }
      return new QuotaForecast(perMilli * 1000, projected, exhausts, Duration.ofMillis(Math.round(tau)));
    }

    private static double decay(long millis, double tau) {
      return millis <= 0 ? 1 : StrictMath.exp(-millis / tau);
    }
  }
}
