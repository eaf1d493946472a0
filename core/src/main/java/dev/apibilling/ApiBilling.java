package dev.apibilling;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStoreException;
import dev.apibilling.spi.UsageStores;
import dev.apibilling.spi.WindowSlot;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides, atomically and exactly, whether a client may spend credits, and deducts them.
 *
 * <pre>{@code
 * ApiBilling billing = ApiBilling.builder().build();               // in-memory store, system clock
 * billing.updateClientQuotas("acme", List.of(
 *     QuotaDefinition.of(QuotaDuration.DAY, 500),
 *     QuotaDefinition.of(QuotaDuration.MONTH, 10_000).anchoredAt(LocalDate.of(2026, 1, 31))));
 * billing.trackClientUsage("acme", 5);                              // throws QuotaException when spent
 * }</pre>
 *
 * <p>Each client has one or more quotas; a request is granted only if every quota that applies has room,
 * and then deducted from all of them in one atomic store call, or from none. Client-wide quotas apply to
 * every charge; a quota of an operation ({@link QuotaDefinition#operation()}) applies to the charges that
 * name it ({@link Charge#operation()}) as well. The clock is read once per decision.
 * Quotas are kept by this object (several instances sharing a store each need them, or share a
 * {@link QuotaDefinitionSource}); usage is kept by the {@link UsageStore}, so instances sharing a store
 * share one budget. Thread safe.
 *
 * <p>When the store fails (a {@link UsageStoreException}, thrown within the store's deadline), nothing
 * is left held or lost for long: a failed commit or release is retried in the background until the
 * store answers or the reservation expires, and a reserve call that failed is followed by a release of
 * its reservation id, in case the store applied it after all ({@link #faults()} counts both).
 */
public final class ApiBilling implements AutoCloseable {

  private final UsageStore store;
  private final @Nullable LeasingStore leasing;
  private final boolean ownsStore;
  private final Clock clock;
  private final ZoneId historyZone;
  private final long idempotencyTtlMillis;
  private final long reservationTtlMillis;
  private final @Nullable Plan defaultPlan;
  private final @Nullable QuotaDefinitionSource source;
  private final @Nullable Cache<String, Optional<Plan>> sourced;
  private final ConcurrentHashMap<String, Plan> plans = new ConcurrentHashMap<>();
  private final BillingListener[] listeners;
  private final boolean timed;
  private final Settlements settlements;
  private final double[] thresholds;
  private final @Nullable UsageEventLog eventLog;
  private final @Nullable String eventSource;
  private final @Nullable Forecaster forecaster;
  private volatile Day day = new Day(Long.MAX_VALUE, Long.MIN_VALUE, 0);

  private ApiBilling(Builder b) {
    this.clock = b.clock;
    if (b.leases != null && b.usageEvents) {
      throw new IllegalArgumentException("leases and usageEvents cannot be combined: a decision made from a "
          + "lease is not seen by the store, which records the usage events");
    }
    UsageStore backend = b.store != null ? b.store : UsageStores.open("memory");
    this.leasing = b.leases == null ? null : new LeasingStore(backend, b.leases, b.clock, b.leaseSweeper);
    this.store = leasing != null ? leasing : backend;
    this.ownsStore = b.store == null;
    this.historyZone = b.historyZone;
    this.idempotencyTtlMillis = b.idempotencyTtl.toMillis();
    this.reservationTtlMillis = b.reservationTtl.toMillis();
    this.defaultPlan = b.defaultQuotas == null ? null : new Plan(b.defaultQuotas);
    this.source = b.source;
    this.sourced = b.source == null ? null
        : Caffeine.newBuilder()
            .maximumSize(b.sourceCacheSize)
            .expireAfterWrite(b.sourceCacheTtl)
            .build();
    this.listeners = b.listeners.toArray(new BillingListener[0]);
    boolean anyTimed = false;
    for (BillingListener l : listeners) {
      anyTimed |= l.timesStoreCalls();
    }
    this.timed = anyTimed;
    this.thresholds = b.thresholds.clone();
    if (b.usageEvents) {
      this.eventLog = store.eventLog().orElseThrow(() -> new IllegalArgumentException(
          "usageEvents(true) needs a store that records usage events, but " + store + " records none"));
      this.eventSource = b.eventSource != null ? b.eventSource : Events.defaultSource();
    } else {
      this.eventLog = null;
      this.eventSource = null;
    }
    this.settlements = new Settlements(store, clock, b.maxPendingSettlements, listeners);
    this.forecaster = Forecaster.of(b.forecasts);
  }

  /** A builder; with no settings it builds a billing on an in-memory store and the system clock. */
  public static Builder builder() {
    return new Builder();
  }

  // ---- plans ----------------------------------------------------------------------------------

  /**
   * Sets the quotas of a client, replacing any it had. Applies to the next request. A quota keeps the
   * usage of its window when its current window has the same policy name and start as a window counted
   * before that has not ended, until the new window's end (raising a limit mid-month, or re-anchoring or
   * lengthening a quota whose window keeps its start); any other window starts from zero. When the
   * change moves a window (anything but limits) of a client this billing knew, it makes one store call
   * that keeps the counts until the new ends; otherwise the client's next charge or status does.
   *
   * @throws IllegalArgumentException if the id is invalid, the list is empty, or two quotas share a
   *     policy name
   * @throws dev.apibilling.spi.UsageStoreException if that store call fails (the quotas are set)
   */
  public void updateClientQuotas(String clientId, List<QuotaDefinition> quotas) {
    Requirements.clientId(clientId);
    List<QuotaDefinition> checked = Requirements.quotas(quotas);
    Plan previous = knownPlan(clientId);
    Plan plan = new Plan(checked, forecaster == null ? null : forecaster.adopt(clientId, plans.get(clientId)));
    plans.put(clientId, plan);
    long now = clock.millis();
    List<WindowSlot> slots = plan.windows(now).slots;
    if (previous != null && KeptWindows.moved(previous.windows(now).slots, slots)) {
      timedCall("usage", () -> store.usage(clientId, slots, now));
    }
  }

  /**
   * Removes a client's quotas: its next request is unknown (or gets the default plan). Its recorded
   * usage and history stay in the store.
   *
   * @return whether the client had quotas set with {@link #updateClientQuotas}
   */
  public boolean removeClient(String clientId) {
    Requirements.clientId(clientId);
    if (sourced != null) {
      sourced.invalidate(clientId);
    }
    Plan removed = plans.remove(clientId);
    if (removed != null && forecaster != null) {
      forecaster.release(clientId, removed);
    }
    return removed != null;
  }

  /** The quotas that apply to the client now, or empty if it is unknown. */
  public Optional<List<QuotaDefinition>> clientQuotas(String clientId) {
    Requirements.clientId(clientId);
    return Optional.ofNullable(findPlan(clientId)).map(p -> p.quotas);
  }

  // ---- decisions ------------------------------------------------------------------------------

  /**
   * Charges {@code credits} to every client-wide quota of the client, or to none.
   *
   * @return the granted decision
   * @throws QuotaException if a quota lacks the credits (nothing is deducted)
   * @throws UnknownClientException if the client has no quotas and there is no default plan
   * @throws IllegalArgumentException if the id or the credits are invalid
   * @throws dev.apibilling.spi.UsageStoreException if the store fails
   */
  public BillingDecision trackClientUsage(String clientId, long credits) {
    return tryTrackClientUsage(clientId, credits).orThrow();
  }

  /** Like {@link #trackClientUsage}, but returns a denied decision instead of throwing. */
  public BillingDecision tryTrackClientUsage(String clientId, long credits) {
    return decide(Requirements.clientId(clientId), Requirements.credits(credits), null, Map.of(), null,
        ChargeMode.CHARGE, 0);
  }

  /**
   * Charges with an idempotency key, metadata and an operation (its quotas apply next to the client-wide
   * ones). A retry with a key already granted within the
   * idempotency TTL returns the first outcome ({@link BillingDecision#replayed()}, granted) and charges
   * nothing; it reports the client's current quotas and usage, and a replayed reservation what is held.
   * Denied outcomes are not recorded: a denied call may be retried with the same key.
   */
  public BillingDecision tryCharge(Charge charge) {
    return decide(charge, ChargeMode.CHARGE, 0);
  }

  /** Whether {@code credits} would be granted now; deducts nothing. */
  public BillingDecision check(String clientId, long credits) {
    return decide(Requirements.clientId(clientId), Requirements.credits(credits), null, Map.of(), null,
        ChargeMode.CHECK, 0);
  }

  /**
   * Holds credits for a request in progress, with the same all-or-nothing check as a charge. A granted
   * decision carries the {@link Reservation}; settle it with {@link #commit} or {@link #release}, or the
   * store releases it after the reservation TTL.
   *
   * <p>If the store fails ({@link UsageStoreException}), the reservation may still have been recorded: it
   * is released in the background by its id until the store answers or it expires.
   */
  public BillingDecision reserve(Charge charge) {
    return decide(charge, ChargeMode.RESERVE, reservationTtlMillis);
  }

  /**
   * Like {@link #reserve(Charge)}, held for {@code ttl} instead of the billing's reservation TTL: for a
   * handler known to run long (an export, a stream), so that the short default still returns a crashed
   * instance's holds quickly.
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public BillingDecision reserve(Charge charge, Duration ttl) {
    return decide(charge, ChargeMode.RESERVE, Requirements.positive("ttl", ttl).toMillis());
  }

  /**
   * Keeps {@code actualCredits} of a reservation and gives the rest back.
   *
   * @return false if the reservation was already settled or has expired (then nothing changes)
   * @throws IllegalArgumentException if {@code actualCredits} is negative or above the reserved credits
   * @throws UsageStoreException if the store fails; the same settlement is then retried in the background
   *     until the store answers or the reservation expires (settling is idempotent by reservation id)
   */
  public boolean commit(Reservation reservation, long actualCredits) {
    UsageEvent pending = reservation.event();
    return commit(reservation, actualCredits, pending == null ? EventDetails.NONE : pending.details());
  }

  /**
   * Like {@link #commit(Reservation, long)}, with what the adapter knows of the request for the usage
   * event the commit records (when events are on and {@code actualCredits > 0}).
   */
  public boolean commit(Reservation reservation, long actualCredits, EventDetails details) {
    Requirements.actualCredits(actualCredits, reservation.credits());
    UsageEvent pending = reservation.event();
    EventRecord event = pending == null || actualCredits == 0 ? null
        : Events.record(pending.settled(actualCredits, Objects.requireNonNull(details, "details")));
    SettleRequest request =
        new SettleRequest(reservation.clientId(), reservation.id(), actualCredits, clock.millis(), event);
    try {
      return timedCall("settle", () -> store.settle(request));
    } catch (UsageStoreException e) {
      settlements.retry(request, reservation.expiresAt().toEpochMilli());
      throw e;
    }
  }

  /** Gives a reservation back in full; returns false if it was already settled or has expired. */
  public boolean release(Reservation reservation) {
    return commit(reservation, 0, EventDetails.NONE);
  }

  private BillingDecision decide(Charge charge, ChargeMode mode, long ttlMillis) {
    return decide(charge.clientId(), charge.credits(), charge.idempotencyKey(), charge.metadata(),
        charge.operation(), mode, ttlMillis);
  }

  /** One decision; the arguments are already validated. */
  private BillingDecision decide(String clientId, long credits, @Nullable String key,
      Map<String, String> metadata, @Nullable String operation, ChargeMode mode, long ttlMillis) {
    Plan plan = planOf(clientId);
    long now = clock.millis();
    Plan.Snapshot windows = plan.windows(now).forOperation(operation);
    if (forecaster != null) {
      windows = forecaster.guard(clientId, plan, windows, now);
    }
    if (mode == ChargeMode.CHARGE && key == null && eventSource == null && !timed && windows.operation == null) {
      long[] used = chargeQuickly(plan, clientId, windows.slots, credits, now);
      if (used != null) {
        return answered(new BillingDecision(clientId, credits, true, false, now, windows, used, null, metadata),
            mode, plan, windows);
      }
    }
    String reservationId = mode == ChargeMode.RESERVE ? newId() : null;
    UsageEvent event = eventSource == null || mode == ChargeMode.CHECK ? null
        : new UsageEvent(key != null ? key : Events.nextId(now), clientId, credits, Instant.ofEpochMilli(now),
            Events.windows(windows.slots), EventDetails.NONE, metadata, eventSource);
    ChargeRequest request = new ChargeRequest(clientId, windows.slots, credits, mode, key,
        key == null ? 0 : now + idempotencyTtlMillis, reservationId, now + ttlMillis,
        epochDay(now), metadata, now, event != null && mode == ChargeMode.CHARGE ? Events.record(event) : null,
        windows.operation);
    ChargeResult result;
    try {
      result = timed ? timedCall("charge", () -> store.charge(request)) : store.charge(request);
    } catch (UsageStoreException e) {
      if (reservationId != null) {
        settlements.compensate(clientId, reservationId, request.reservationExpiresAt());
      }
      throw e;
    }
    return answered(toDecision(request, windows, result, event), mode, plan, windows);
  }

  /**
   * The store's quick charge ({@link UsageStore#chargeQuickly}) through the client's handle, which a plan
   * of one client keeps (the default plan is shared, so its clients' handles are looked up each time).
   */
  private long @Nullable [] chargeQuickly(Plan plan, String clientId, List<WindowSlot> slots, long credits,
      long now) {
    boolean own = plan != defaultPlan;
    Object handle = own ? plan.quickHandle : null;
    if (handle == null) {
      handle = store.quickHandle(clientId);
      if (handle == null) {
        return null;
      }
      if (own) {
        plan.quickHandle = handle;
      }
    }
    long[] used = store.chargeQuickly(handle, clientId, slots, credits, epochDay(now), now);
    if (used == null && own) {
      plan.quickHandle = null; // the next quick charge asks the store again, in case the handle went stale
    }
    return used;
  }

  /** What follows every answer of the store to a charge: forecasts and listeners. */
  private BillingDecision answered(BillingDecision decision, ChargeMode mode, Plan plan,
      Plan.Snapshot windows) {
    settlements.storeAnswered();
    if (forecaster != null && !decision.replayed()) {
      long added = decision.granted() && mode != ChargeMode.CHECK ? decision.requested() : 0;
      forecaster.observe(decision.clientId(), plan, windows, decision.used(), added, decision.atMillis(),
          listeners);
    }
    notify(decision, mode);
    return decision;
  }

  private BillingDecision toDecision(ChargeRequest request, Plan.Snapshot windows, ChargeResult result,
      @Nullable UsageEvent event) {
    String reservationId = result.reservationId();
    Reservation reservation = !result.granted() || reservationId == null ? null
        : result.replayed()
            ? new Reservation(reservationId, request.clientId(), result.heldCredits(),
                Instant.ofEpochMilli(result.heldUntil()), event)
            : new Reservation(reservationId, request.clientId(), request.credits(),
                Instant.ofEpochMilli(request.reservationExpiresAt()), event);
    return new BillingDecision(request.clientId(), request.credits(), result.granted(),
        result.replayed(), request.now(), windows, result.used(), reservation, request.metadata());
  }

  // ---- status and history ---------------------------------------------------------------------

  /**
   * Every quota of the client now: limit, used, remaining, window start and reset.
   *
   * @throws UnknownClientException if the client has no quotas and there is no default plan
   */
  public ClientStatus status(String clientId) {
    Plan plan = planOf(clientId);
    long now = clock.millis();
    Plan.Snapshot windows = plan.windows(now);
    long[] used = timedCall("usage", () -> store.usage(clientId, windows.slots, now));
    return new ClientStatus(clientId, Instant.ofEpochMilli(now), forecaster == null ? windows.states(used)
        : forecaster.states(clientId, plan, windows, used, now, listeners));
  }

  /**
   * The client's credits per day from {@code from} to {@code to} inclusive, days in the history zone,
   * without days of no usage.
   *
   * @throws IllegalArgumentException if {@code from} is after {@code to} or the range is too long
   */
  public List<DailyUsage> usageHistory(String clientId, LocalDate from, LocalDate to) {
    Requirements.clientId(clientId);
    Requirements.dateRange(from, to);
    return dailyUsage(timedCall("history", () -> store.history(clientId, from.toEpochDay(), to.toEpochDay())));
  }

  /**
   * The client's credits per day on one operation from {@code from} to {@code to} inclusive, days in the
   * history zone, without days of no usage. Kept for the operations that have quotas in the client's plan
   * when the charges are made (their credits also count in {@link #usageHistory(String, LocalDate,
   * LocalDate) the client's history}).
   *
   * @throws IllegalArgumentException if the operation name is invalid, {@code from} is after {@code to}
   *     or the range is too long
   */
  public List<DailyUsage> usageHistory(String clientId, String operation, LocalDate from, LocalDate to) {
    Requirements.clientId(clientId);
    Requirements.operation(operation);
    Requirements.dateRange(from, to);
    return dailyUsage(timedCall("history",
        () -> store.history(clientId, operation, from.toEpochDay(), to.toEpochDay())));
  }

  private static List<DailyUsage> dailyUsage(List<DayTotal> days) {
    List<DailyUsage> result = new ArrayList<>(days.size());
    for (DayTotal day : days) {
      result.add(new DailyUsage(LocalDate.ofEpochDay(day.epochDay()), day.credits()));
    }
    return result;
  }

  /**
   * Deletes the client's daily totals, and those of its operations, from {@code from} to {@code to}
   * inclusive (window counters that decide requests are not touched).
   *
   * @return the number of days that had usage
   */
  public long deleteUsage(String clientId, LocalDate from, LocalDate to) {
    Requirements.clientId(clientId);
    Requirements.dateRange(from, to);
    return timedCall("delete", () -> store.deleteHistory(clientId, from.toEpochDay(), to.toEpochDay()));
  }

  /**
   * The client's usage events decided from {@code from} (inclusive) to {@code to} (exclusive), oldest
   * first, delivered or not, in pages of at most {@code pageSize}: "why was I charged", audits. A store
   * may make the events of a client's concurrent charges visible slightly out of order (PostgreSQL does:
   * see store-jdbc's README), so a page read while the client's charges are in flight may later gain an
   * event older than its last; read the recent edge again for a complete record.
   *
   * @param after the {@link UsageEventPage#next} cursor of the previous page, or null for the first
   * @throws IllegalArgumentException if an argument is invalid
   * @throws IllegalStateException if this billing records no usage events
   */
  public UsageEventPage usageEvents(String clientId, Instant from, Instant to, @Nullable String after,
      int pageSize) {
    Requirements.clientId(clientId);
    Requirements.between("pageSize", pageSize, 1000);
    if (from.isAfter(to)) {
      throw new IllegalArgumentException("from must be <= to but was " + from + " > " + to);
    }
    UsageEventLog log = eventLog;
    if (log == null) {
      throw new IllegalStateException("this billing records no usage events; build it with usageEvents(true)");
    }
    List<StoredEvent> stored = timedCall("events",
        () -> log.events(clientId, from.toEpochMilli(), to.toEpochMilli(), after, pageSize + 1));
    List<UsageEvent> events = new ArrayList<>(Math.min(stored.size(), pageSize));
    for (int i = 0; i < stored.size() && i < pageSize; i++) {
      events.add(UsageEvent.fromStored(stored.get(i).payload()));
    }
    String next = stored.size() > pageSize ? stored.get(pageSize - 1).position() : null;
    return new UsageEventPage(events, next);
  }

  /** Whether this billing records a usage event with every billed charge. */
  public boolean recordsUsageEvents() {
    return eventLog != null;
  }

  /**
   * Records that an adapter served a request without billing it because the store failed (fail-open),
   * for {@link #faults()} and the listeners ({@link BillingListener#onServedUnbilled}).
   */
  public void servedUnbilled(String clientId, long credits) {
    settlements.servedUnbilled(clientId, credits);
  }

  /** What store failures have cost so far: settlements retried, lost or waiting, requests served unbilled. */
  public StoreFaults faults() {
    return settlements.faults();
  }

  /** The clock decisions are made with. */
  public Clock clock() {
    return clock;
  }

  /** The zone whose days {@link #usageHistory} counts in. */
  public ZoneId historyZone() {
    return historyZone;
  }

  /**
   * Settles this billing's leases (after the lease settlements under way, waited for up to 10 seconds), stops
   * retrying settlements (what still waits expires in the store) and closes the store if this billing
   * created it (the default in-memory store).
   */
  @Override
  public void close() {
    if (leasing != null) {
      leasing.close();
    }
    settlements.close();
    if (ownsStore) {
      (leasing != null ? leasing.backend() : store).close();
    }
  }

  /** Whether leases are on. */
  boolean leasing() {
    return leasing != null;
  }

  /** Counts of this billing's leases (all zero when leases are off). */
  public LeaseStats leaseStats() {
    return leasing == null ? new LeaseStats(0, 0, 0, 0, 0) : leasing.stats();
  }

  // ---- internals ------------------------------------------------------------------------------

  private Plan planOf(String clientId) {
    Plan plan = findPlan(clientId);
    if (plan == null) {
      for (BillingListener l : listeners) {
        try {
          l.onUnknownClient(clientId);
        } catch (RuntimeException ignored) {
          // listeners must not break billing
        }
      }
      throw new UnknownClientException(clientId);
    }
    return plan;
  }

  /** The plan the client has in this billing now, without asking the quota source. */
  private @Nullable Plan knownPlan(String clientId) {
    Plan plan = plans.get(clientId);
    if (plan == null && sourced != null) {
      Optional<Plan> cached = sourced.getIfPresent(clientId);
      plan = cached != null && cached.isPresent() ? cached.get() : null;
    }
    return plan != null ? plan : defaultPlan;
  }

  private @Nullable Plan findPlan(String clientId) {
    Plan plan = plans.get(clientId);
    if (plan != null) {
      return plan;
    }
    if (sourced != null && source != null) {
      Optional<Plan> found = sourced.get(clientId,
          id -> Objects.requireNonNull(source.quotasOf(id), "QuotaDefinitionSource returned null")
              .map(Plan::new));
      if (found.isPresent()) {
        return found.get();
      }
    }
    return defaultPlan;
  }

  private long epochDay(long now) {
    Day d = day;
    if (now < d.start || now >= d.end) {
      LocalDate date = Instant.ofEpochMilli(now).atZone(historyZone).toLocalDate();
      d = new Day(date.atStartOfDay(historyZone).toInstant().toEpochMilli(),
          date.plusDays(1).atStartOfDay(historyZone).toInstant().toEpochMilli(), date.toEpochDay());
      day = d;
    }
    return d.epochDay;
  }

  private <T> T timedCall(String operation, Supplier<T> call) {
    if (!timed) {
      return call.get();
    }
    long start = System.nanoTime();
    boolean failed = true;
    try {
      T result = call.get();
      failed = false;
      return result;
    } finally {
      long nanos = System.nanoTime() - start;
      for (BillingListener l : listeners) {
        if (l.timesStoreCalls()) {
          try {
            l.onStoreCall(operation, nanos, failed);
          } catch (RuntimeException ignored) {
            // listeners must not break billing
          }
        }
      }
    }
  }

  private void notify(BillingDecision decision, ChargeMode mode) {
    if (listeners.length == 0) {
      return;
    }
    for (BillingListener l : listeners) {
      try {
        l.onDecision(decision);
        if (decision.granted() && !decision.replayed() && mode != ChargeMode.CHECK) {
          crossed(l, decision, decision.requested());
        }
      } catch (RuntimeException ignored) {
        // listeners must not break billing
      }
    }
  }

  private void crossed(BillingListener l, BillingDecision decision, long credits) {
    for (QuotaState q : decision.quotas()) {
      if (q.unlimited() || q.limit() == 0) {
        continue;
      }
      long before = q.used() - credits;
      for (double t : thresholds) {
        double mark = t * q.limit();
        if (before < mark && q.used() >= mark) {
          l.onThresholdCrossed(decision.clientId(), q, t);
        }
      }
    }
  }

  // ---- for ProviderBudgets and tests, in this package -------------------------------------------

  /** Settles the leases whose span has passed, as the sweeper thread does. */
  void sweepLeases() {
    if (leasing != null) {
      leasing.sweep();
    }
  }

  /** Settles every lease now. */
  void settleLeases() {
    if (leasing != null) {
      leasing.settleAll();
    }
  }

  UsageStore store() {
    return store;
  }

  Plan plan(String clientId) {
    return planOf(clientId);
  }

  @Nullable Forecaster forecaster() {
    return forecaster;
  }

  /** 32 lowercase hex digits, each half's first at least 8: two {@code Long.toHexString} of negative longs. */
  private static String newId() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    byte[] digits = new byte[32];
    hex(r.nextLong() | Long.MIN_VALUE, digits, 0);
    hex(r.nextLong() | Long.MIN_VALUE, digits, 16);
    return new String(digits, StandardCharsets.ISO_8859_1);
  }

  private static void hex(long value, byte[] into, int at) {
    for (int i = 15; i >= 0; i--) {
      into[at + i] = HEX[(int) (value & 0xf)];
      value >>>= 4;
    }
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  private record Day(long start, long end, long epochDay) {}

  /** Settings of an {@link ApiBilling}; every one has a default. Not thread safe. */
  public static final class Builder {
    private @Nullable UsageStore store;
    private Clock clock = Clock.systemUTC();
    private ZoneId historyZone = ZoneOffset.UTC;
    private Duration idempotencyTtl = Duration.ofHours(24);
    private Duration reservationTtl = Duration.ofSeconds(30);
    private int maxPendingSettlements = 10_000;
    private @Nullable List<QuotaDefinition> defaultQuotas;
    private @Nullable QuotaDefinitionSource source;
    private Duration sourceCacheTtl = Duration.ofMinutes(1);
    private long sourceCacheSize = 100_000;
    private final List<BillingListener> listeners = new ArrayList<>();
    private double[] thresholds = {0.8, 1.0};
    private boolean usageEvents;
    private @Nullable String eventSource;
    private ForecastSettings forecasts = ForecastSettings.defaults();
    private @Nullable LeaseSettings leases;
    private boolean leaseSweeper = true;
    private final List<java.util.function.Consumer<ApiBilling>> built = new ArrayList<>();

    private Builder() {}

    /** Tests: no sweeper thread; leases are settled by {@link ApiBilling#sweepLeases} and on close. */
    Builder manualLeaseSweeps() {
      this.leaseSweeper = false;
      return this;
    }

    /**
     * Leases budgets of hot clients so most of their plain charges need no store call (default off):
     * see {@link LeaseSettings} for what is leased, for how long, and the bounds.
     */
    public Builder leases(LeaseSettings settings) {
      this.leases = Objects.requireNonNull(settings, "leases");
      return this;
    }

    /**
     * Where usage is kept (default: a new in-memory store, {@link UsageStores#open UsageStores.open("memory")},
     * closed with the billing).
     */
    public Builder store(UsageStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The clock decisions are made with (default {@link Clock#systemUTC()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The zone whose days daily usage is counted in (default UTC). */
    public Builder historyZone(ZoneId zone) {
      this.historyZone = Objects.requireNonNull(zone, "historyZone");
      return this;
    }

    /** How long a granted outcome is remembered under its idempotency key (default 24 hours). */
    public Builder idempotencyTtl(Duration ttl) {
      this.idempotencyTtl = Requirements.positive("idempotencyTtl", ttl);
      return this;
    }

    /**
     * How long a reservation is held before the store releases it (default 30 seconds). It bounds how
     * long the holds of a crashed instance (or of a reserve the store applied after its caller gave up)
     * block a budget; a request still running when it ends is not charged. Longer handlers ask for more
     * with {@link ApiBilling#reserve(Charge, Duration)}.
     */
    public Builder reservationTtl(Duration ttl) {
      this.reservationTtl = Requirements.positive("reservationTtl", ttl);
      return this;
    }

    /**
     * How many settlements the store failed to answer may wait for background retries (default 10,000);
     * more are dropped and counted in {@link ApiBilling#faults()}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxPendingSettlements(int max) {
      this.maxPendingSettlements = (int) Requirements.positive("maxPendingSettlements", max);
      return this;
    }

    /** Quotas for clients that have none of their own; without it such clients are unknown. */
    public Builder defaultQuotas(List<QuotaDefinition> quotas) {
      this.defaultQuotas = new Plan(quotas).quotas;
      return this;
    }

    /** Looks up quotas of clients not given any with {@link #updateClientQuotas}. */
    public Builder quotaSource(QuotaDefinitionSource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** How long answers of the quota source are cached (default 1 minute). */
    public Builder quotaSourceCacheTtl(Duration ttl) {
      this.sourceCacheTtl = Requirements.positive("quotaSourceCacheTtl", ttl);
      return this;
    }

    /** How many answers of the quota source are cached (default 100,000). */
    public Builder quotaSourceCacheSize(long size) {
      this.sourceCacheSize = Requirements.positive("quotaSourceCacheSize", size);
      return this;
    }

    /** Adds a listener of decisions. */
    public Builder listener(BillingListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Records the billing's metrics: {@code monitor} hears every decision and is bound to the billing
     * once it is built. For Micrometer: {@code .metrics(BillingMetrics.monitor(registry))}.
     */
    public Builder metrics(BillingMonitor monitor) {
      listener(monitor);
      built.add(monitor::bindTo);
      return this;
    }

    /**
     * The fractions of a limit whose crossing is reported to {@link BillingListener#onThresholdCrossed}
     * (default 0.8 and 1.0).
     */
    public Builder thresholds(double... fractions) {
      this.thresholds = Requirements.thresholds(fractions);
      return this;
    }

    /**
     * Whether every billed charge records a {@link UsageEvent} in the store, atomically with its credits
     * (default false). The store must record events ({@link UsageStore#eventLog()}); export them with
     * {@link dev.apibilling.events.UsageEventExporter}.
     */
    public Builder usageEvents(boolean usageEvents) {
      this.usageEvents = usageEvents;
      return this;
    }

    /**
     * The CloudEvents {@code source} of this instance's usage events (default
     * {@code apibilling://<host>/<pid>}).
     *
     * @throws IllegalArgumentException if it is not 1 to 256 visible ASCII characters
     */
    public Builder eventSource(String source) {
      this.eventSource = Requirements.eventSource(source);
      return this;
    }

    /** How quotas are forecast (default {@link ForecastSettings#defaults()}: on, no reserves). */
    public Builder forecasts(ForecastSettings settings) {
      this.forecasts = Objects.requireNonNull(settings, "forecasts");
      return this;
    }

    public ApiBilling build() {
      ApiBilling billing = new ApiBilling(this);
      for (java.util.function.Consumer<ApiBilling> c : built) {
        c.accept(billing);
      }
      return billing;
    }
  }
}
