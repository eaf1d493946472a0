package dev.apibilling;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.spi.WindowSlot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The burn-rate forecasts of one billing, as described on {@link ForecastSettings}: per client and quota,
 * a decayed sum of the credits seen in the counts that decisions and status reads return. A client whose
 * quotas were set for it keeps its {@link Trend} in its {@link Plan} (found with the plan, no second
 * look-up per decision); other clients' trends are in a bounded cache. Thread safe; each trend is guarded
 * by its own lock, except for the commonest observation (no listeners, the same millisecond and windows
 * as the last one), which writes nothing but, once per millisecond, a mark that it came: the next
 * observation under the lock then dates the credits counted between the last one and its own decision to
 * that millisecond, so every credit is weighed by the millisecond it was decided in, as if each decision
 * had been observed, while deciding threads share no written field.
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
  void observe(String clientId, Plan plan, Plan.Snapshot windows, long[] used, long credits, long now,
      BillingListener[] listeners) {
    Trend trend = trend(clientId, plan);
    if (listeners.length != 0 || !trend.observeInSameMillisecond(windows, now)) {
      observeLocked(clientId, trend, windows, used, credits, now, listeners);
    }
  }

  /**
   * Observes under the lock; {@code credits} are those the observed decision added to each count (0 for a
   * status read), which count at {@code now} whatever was counted before them.
   */
  private void observeLocked(String clientId, Trend trend, Plan.Snapshot windows, long[] used, long credits,
      long now, BillingListener[] listeners) {
    int n = used.length;
    QuotaForecast[] events = null;
    boolean[] over = null;
    synchronized (trend) {
      Seen last = trend.seen;
      Track[] tracks = trend.tracks(windows);
      for (int i = 0; i < n; i++) {
        WindowSlot slot = windows.slots.get(i);
        Track t = tracks[i];
        t.observe(slot, used[i], credits, last != null && last.skippedIn(t), now, tau(slot));
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
      trend.seen(windows, tracks, now);
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
  List<QuotaState> states(String clientId, Plan plan, Plan.Snapshot windows, long[] used, long now,
      BillingListener[] listeners) {
    observe(clientId, plan, windows, used, 0, now, listeners);
    Trend trend = trend(clientId, plan);
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
  Plan.Snapshot guard(String clientId, Plan plan, Plan.Snapshot windows, long now) {
    if (reserves.isEmpty()) {
      return windows;
    }
    long[] limits = null;
    boolean[] over = predicted(clientId, plan, windows, now);
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
  boolean @Nullable [] predicted(String clientId, Plan plan, Plan.Snapshot windows, long now) {
    Trend trend = plan.trend != null ? plan.trend : trends.getIfPresent(clientId);
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
            && t.forecast(slot.limit(), t.lastUsed, now, tau(slot)).exhaustsAt() != null;
      }
    }
    return over;
  }

  /**
   * The trend for a plan being set for {@code clientId} in place of {@code previous}: the one the client
   * had, so its forecasts go on across plan changes.
   */
  Trend adopt(String clientId, @Nullable Plan previous) {
    if (previous != null && previous.trend != null) {
      return previous.trend;
    }
    Trend cached = trends.asMap().remove(clientId);
    return cached != null ? cached : new Trend();
  }

  /** Keeps the trend of a client whose own plan was removed, for the plan it falls back to. */
  void release(String clientId, Plan removed) {
    if (removed.trend != null) {
      trends.put(clientId, removed.trend);
    }
  }

  private Trend trend(String clientId, Plan plan) {
    Trend own = plan.trend;
    return own != null ? own : trends.get(clientId, id -> new Trend());
  }

  private double tau(WindowSlot slot) {
    return horizon * (slot.end() - slot.start());
  }

  /**
   * One client's tracks, in the order of the quotas last asked for; a charge of an operation sees only
   * some of the client's quotas, so the tracks of the others are kept by slot name until asked again.
   */
  static final class Trend {
    private volatile Track[] tracks = new Track[0];
    private @Nullable Map<String, Track> kept;
    /** The last observation under the lock that brought every track of its windows to its time. */
    private volatile @Nullable Seen seen;

    /**
     * Without the lock: when the last observation under the lock was of these very windows (the plan's
     * cached snapshot) at {@code now}, marks it skipped (one write per millisecond) and returns true;
     * otherwise changes nothing and returns false.
     */
    boolean observeInSameMillisecond(Plan.Snapshot windows, long now) {
      Seen s = seen;
      if (s == null || s.windows != windows || s.at != now) {
        return false;
      }
      if (!s.skipped) {
        s.skipped = true;
      }
      return true;
    }

    /** Under the lock, after observing {@code windows} at {@code now}. */
    void seen(Plan.Snapshot windows, Track[] observed, long now) {
      for (Track t : observed) {
        if (t.lastAt != now) {
          seen = null;
          return;
        }
      }
      Seen s = seen;
      if (s == null || s.windows != windows || s.at != now) {
        seen = new Seen(windows, now, observed);
      }
    }

    /** The tracks of {@code windows}' quotas, carrying over those of slot names seen before. */
    Track[] tracks(Plan.Snapshot windows) {
      List<WindowSlot> slots = windows.slots;
      boolean same = tracks.length == slots.size();
      for (int i = 0; same && i < tracks.length; i++) {
        same = tracks[i].policy.equals(slots.get(i).policy());
      }
      if (!same) {
        Map<String, Track> kept = this.kept;
        if (kept == null) {
          kept = this.kept = new HashMap<>();
        }
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

  /**
   * Windows observed under the lock at {@code at}, with the tracks that hold their counts, and whether
   * observations of them in that millisecond were skipped (their credits are still to be dated).
   */
  private static final class Seen {
    final Plan.Snapshot windows;
    final long at;
    final Track[] tracks;
    volatile boolean skipped;

    Seen(Plan.Snapshot windows, long at, Track[] tracks) {
      this.windows = windows;
      this.at = at;
      this.tracks = tracks;
    }

    /** Whether {@code t} last observed in this millisecond and observations were skipped after it. */
    boolean skippedIn(Track t) {
      if (!skipped || t.lastAt != at) {
        return false;
      }
      for (Track mine : tracks) {
        if (mine == t) {
          return true;
        }
      }
      return false;
    }
  }

  /** The decayed sum of one quota of one client. */
  private static final class Track {
    final String policy;
    boolean seen;
    long since;
    long windowStart;
    long windowEnd;
    long lastAt;
    /** The count last observed. */
    long lastUsed;
    /** The decayed sum as of {@link #lastAt}. */
    double sum;
    boolean overReported;
    boolean backReported;

    Track(String policy) {
      this.policy = policy;
    }

    /**
     * Takes in a count of {@code used} at {@code now}, {@code credits} of it added by the decision observed;
     * when observations were skipped in the millisecond of the last one ({@code skipped}), the rest of
     * what was counted since it is dated to that millisecond.
     */
    void observe(WindowSlot slot, long used, long credits, boolean skipped, long now, double tau) {
      double sum;
      long late = used - credits - lastUsed;
      if (!seen) {
        long elapsed = now - slot.start();
        seen = true;
        since = slot.start();
        sum = elapsed <= 0 ? used : used * tau / elapsed * -StrictMath.expm1(-elapsed / tau);
      } else if (now < lastAt) {
        return;
      } else if (slot.start() != windowStart) {
        sum = this.sum * decay(now - lastAt, tau) + used;
        overReported = false;
        backReported = false;
      } else if (skipped && late > 0) {
        sum = (this.sum + late) * decay(now - lastAt, tau) + (used - lastUsed - late);
      } else {
        sum = this.sum * decay(now - lastAt, tau) + (used - lastUsed);
      }
      this.sum = sum;
      windowStart = slot.start();
      windowEnd = slot.end();
      lastUsed = used;
      lastAt = now;
    }

    /** The forecast at {@code now} for {@code used} credits counted against {@code limit}. */
    QuotaForecast forecast(long limit, long used, long now, double tau) {
      long at = Math.max(now, lastAt);
      double s = Math.max(0, sum * decay(at - lastAt, tau));
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
