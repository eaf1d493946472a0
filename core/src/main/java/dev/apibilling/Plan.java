package dev.apibilling;

import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A client's quotas with their current windows cached: window arithmetic runs only when the clock
 * passes the end of a cached window, so a decision costs one clock read and no calendar math. A charge
 * counts against the client-wide quotas and those of its operation ({@link Snapshot#forOperation}); each
 * window's slot is named {@link QuotaDefinition#slotName()}, so a client without operation quotas keeps
 * the slot names it always had.
 */
final class Plan {

  final List<QuotaDefinition> quotas;
  /** The forecasts of the one client this plan was set for, or null (a shared or a sourced plan). */
  final Forecaster.@Nullable Trend trend;
  private volatile Snapshot snapshot;
  /** The store's handle of the one client this plan is for ({@link UsageStore#quickHandle}), or null. */
  volatile @Nullable Object quickHandle;

  Plan(List<QuotaDefinition> quotas) {
    this(quotas, null);
  }

  Plan(List<QuotaDefinition> quotas, Forecaster.@Nullable Trend trend) {
    this.quotas = Requirements.quotas(quotas);
    this.trend = trend;
    this.snapshot = new Snapshot(this.quotas, List.of(), Long.MAX_VALUE, Long.MIN_VALUE);
  }

  /** The windows containing {@code now}. */
  Snapshot windows(long now) {
    Snapshot s = snapshot;
    if (now < s.validFrom || now >= s.validUntil) {
      s = Snapshot.at(quotas, now);
      snapshot = s;
    }
    return s;
  }

  /** The current window of every quota, valid for {@code validFrom <= now < validUntil}. */
  static final class Snapshot {
    final List<WindowSlot> slots;
    final List<QuotaDefinition> quotas;
    final Instant[] starts;
    final Instant[] ends;
    final long validFrom;
    final long validUntil;
    /** The operation whose quotas these windows include, or null for client-wide windows only. */
    final @Nullable String operation;
    /** The windows of each operation that has quotas (client-wide ones first); null if none has. */
    private final @Nullable Map<String, Snapshot> operations;
    private final @Nullable Snapshot clientWide;

    private Snapshot(List<QuotaDefinition> quotas, List<WindowSlot> slots, long validFrom, long validUntil) {
      this(quotas, slots, validFrom, validUntil, false, null);
    }

    private Snapshot(List<QuotaDefinition> quotas, List<WindowSlot> slots, long validFrom, long validUntil,
        boolean split, @Nullable String operation) {
      this.operation = operation;
      this.quotas = quotas;
      this.slots = slots;
      this.validFrom = validFrom;
      this.validUntil = validUntil;
      this.starts = new Instant[slots.size()];
      this.ends = new Instant[slots.size()];
      for (int i = 0; i < slots.size(); i++) {
        starts[i] = Instant.ofEpochMilli(slots.get(i).start());
        ends[i] = Instant.ofEpochMilli(slots.get(i).end());
      }
      Map<String, Snapshot> ops = null;
      if (split) {
        for (QuotaDefinition q : quotas) {
          if (q.operation() != null) {
            if (ops == null) {
              ops = new HashMap<>();
            }
            ops.computeIfAbsent(q.operation(), this::select);
          }
        }
      }
      this.operations = ops;
      this.clientWide = ops == null ? null : select(null);
    }

    /**
     * The windows a charge of {@code operation} counts against: the client-wide ones and that
     * operation's, in definition order. This snapshot itself when the client has no operation quotas.
     */
    Snapshot forOperation(@Nullable String operation) {
      if (operations == null) {
        return this;
      }
      Snapshot s = operation == null ? null : operations.get(operation);
      return s != null ? s : Objects.requireNonNull(clientWide);
    }

    private Snapshot select(@Nullable String operation) {
      List<QuotaDefinition> q = new ArrayList<>();
      List<WindowSlot> w = new ArrayList<>();
      for (int i = 0; i < quotas.size(); i++) {
        String op = quotas.get(i).operation();
        if (op == null || op.equals(operation)) {
          q.add(quotas.get(i));
          w.add(slots.get(i));
        }
      }
      return new Snapshot(List.copyOf(q), List.copyOf(w), validFrom, validUntil, false, operation);
    }

    static Snapshot at(List<QuotaDefinition> quotas, long now) {
      List<WindowSlot> slots = new ArrayList<>(quotas.size());
      long from = Long.MIN_VALUE;
      long until = Long.MAX_VALUE;
      for (QuotaDefinition q : quotas) {
        long[] b = Windows.bounds(q, now);
        slots.add(new WindowSlot(q.slotName(), b[0], b[1], q.limit()));
        from = Math.max(from, b[0]);
        until = Math.min(until, b[1]);
      }
      return new Snapshot(quotas, List.copyOf(slots), from, until, true, null);
    }

    /** These windows with other limits (a predictive reserve held back), same bounds and validity. */
    Snapshot withLimits(long[] limits) {
      List<WindowSlot> changed = new ArrayList<>(slots.size());
      for (int i = 0; i < slots.size(); i++) {
        WindowSlot w = slots.get(i);
        changed.add(new WindowSlot(w.policy(), w.start(), w.end(), limits[i]));
      }
      return new Snapshot(quotas, List.copyOf(changed), validFrom, validUntil, false, operation);
    }

    /** The quota states for the given used counts. */
    List<QuotaState> states(long[] used) {
      QuotaState[] states = new QuotaState[used.length];
      for (int i = 0; i < used.length; i++) {
        QuotaDefinition q = quotas.get(i);
        states[i] = new QuotaState(q.policy(), q.duration(), q.limit(), used[i], starts[i], ends[i], null,
            q.operation());
      }
      return List.of(states);
    }
  }
}
