package dev.apibilling;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.spi.WindowSlot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 */
final class Forecaster {

  private final double horizon;
  private final Map<String, Long> reserves;
  private final Cache<String, Trend> trends;

  private Forecaster(ForecastSettings settings) {
    this.horizon = settings.horizon();
    this.reserves = settings.predictiveReserves();
    this.trends = Caffeine.newBuilder()
        .maximumSize(settings.maximumClients())
        .executor(Runnable::run)
        .build();
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
    Trend trend = trends.get(clientId, id -> new Trend());
    if (listeners.length != 0 || !trend.observeInSameMillisecond(windows, used, now)) {
      observeLocked(clientId, trend, windows, used, now, listeners);
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
      for (int i = 0; i < ts.length; i++) {
        Track.LAST_USED.setOpaque(ts[i], used[i]);
      }
      return true;
    }

    /** The tracks of {@code windows}' quotas, carrying over those of slot names seen before. */
    Track[] tracks(Plan.Snapshot windows) {
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
    static final VarHandle LAST_USED;

    static {
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        LAST_AT = lookup.findVarHandle(Track.class, "lastAt", long.class);
        LAST_USED = lookup.findVarHandle(Track.class, "lastUsed", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final String policy;
    boolean seen;
    long since;
    long windowStart;
    long windowEnd;
    long lastAt;
    /** The counts last seen: written without the lock within a millisecond, so read with opaque access. */
    long lastUsed;
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
      LAST_USED.setOpaque(this, used);
      LAST_AT.setOpaque(this, now);
    }

    long lastUsed() {
      return (long) LAST_USED.getOpaque(this);
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
