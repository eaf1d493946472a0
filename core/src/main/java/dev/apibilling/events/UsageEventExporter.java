package dev.apibilling.events;

import dev.apibilling.Requirements;
import dev.apibilling.UsageEvent;
import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageEventLog;
import dev.apibilling.spi.UsageStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Drains the usage events a store recorded to a {@link EventSink}: claims the oldest undelivered events in
 * batches, delivers each batch, then marks it delivered.
 *
 * <pre>{@code
 * UsageEventExporter exporter = UsageEventExporter.builder(store,
 *         EventSink.cloudEventsHttp(URI.create("https://openmeter.example/api/v1/events")))
 *     .metrics(ExporterMetrics.monitor(registry))
 *     .build()
 *     .start();                                    // a daemon thread; close() stops it
 * }</pre>
 *
 * <p>Delivery is at least once, with stable ids: a batch is marked delivered only after the sink accepted
 * it, so a crash between the two delivers it again (byte for byte: the store keeps each event's JSON).
 * A failed batch is delivered again, the same batch first, with exponential backoff, for as long as it
 * fails; a batch the receiver {@linkplain EventRejectedException rejects}
 * {@link Builder#maxRejections} times in a row is dead-lettered: logged with its ids, counted, and marked
 * delivered. Exporters on several instances share one store's events without delivering any twice in
 * normal operation: each claims its batches for {@link Builder#lease}, and a claim that lapses (its
 * exporter died) is claimed again.
 *
 * <p>While a full batch is being delivered, the next batch is claimed on a helper thread, so the store's
 * claim overlaps the delivery; batches are still delivered one after the other, in claim order. A claim
 * taken ahead whose lease lapsed before its turn is not used: the events are claimed anew.
 *
 * <p>Thread safe; {@link #exportOnce()} runs one batch on the caller's thread (for tests and schedulers).
 */
public final class UsageEventExporter implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(UsageEventExporter.class.getName());

  private final UsageEventLog log;
  private final EventSink sink;
  private final Clock clock;
  private final String consumer;
  private final int batchSize;
  private final long leaseMillis;
  private final Duration pollInterval;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final int maxRejections;
  private final @Nullable Duration retention;
  private final List<ExporterMonitor> listeners;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private @Nullable List<StoredEvent> held;
  private @Nullable ExecutorService claimer;
  private @Nullable Future<List<StoredEvent>> next;
  private long nextClaimedAt;
  private int rejections;
  private int failures;
  private long nextPurge = Long.MIN_VALUE;
  private @Nullable Thread thread;
  private volatile boolean closed;

  private UsageEventExporter(Builder b, UsageEventLog log) {
    this.log = log;
    this.sink = b.sink;
    this.clock = b.clock;
    this.consumer = b.consumer != null ? b.consumer : "exporter-" + UUID.randomUUID();
    this.batchSize = b.batchSize;
    this.leaseMillis = b.lease.toMillis();
    this.pollInterval = b.pollInterval;
    this.minBackoff = b.minBackoff;
    this.maxBackoff = b.maxBackoff;
    this.maxRejections = b.maxRejections;
    this.retention = b.retention;
    this.listeners = List.copyOf(b.listeners);
  }

  /**
   * A builder of an exporter of {@code store}'s events to {@code sink}.
   *
   * @throws IllegalArgumentException if the store records no usage events
   */
  public static Builder builder(UsageStore store, EventSink sink) {
    UsageEventLog log = store.eventLog().orElseThrow(() -> new IllegalArgumentException(
        "store " + store + " records no usage events, so there is nothing to export"));
    return new Builder(log, Objects.requireNonNull(sink, "sink"));
  }

  /** What one {@link #exportOnce()} did. */
  public enum Outcome {
    /** A batch was delivered and marked delivered. */
    DELIVERED,
    /** There was nothing to deliver. */
    IDLE,
    /** The delivery failed; the batch is held and delivered again first. */
    FAILED,
    /** The receiver rejected the batch too often; it was dead-lettered. */
    DEAD_LETTERED
  }

  /**
   * Delivers one batch: the batch held after a failure, else up to the batch size of newly claimed
   * events. Also purges delivered events past the retention, at most once an hour.
   *
   * @throws dev.apibilling.spi.UsageStoreException if the store fails (nothing is lost: the claim lapses)
   */
  public Outcome exportOnce() {
    lock.lock();
    try {
      purgeIfDue();
      List<StoredEvent> batch = held;
      if (batch == null) {
        batch = claimNext();
        if (batch.isEmpty()) {
          return Outcome.IDLE;
        }
        held = batch;
      }
      if (batch.size() == batchSize && next == null && !closed) {
        claimAhead();
      }
      List<String> payloads = new ArrayList<>(batch.size());
      for (StoredEvent e : batch) {
        payloads.add(render(e));
      }
      try {
        sink.deliver(payloads);
      } catch (EventRejectedException e) {
        failures++;
        if (++rejections < maxRejections) {
          LOG.log(System.Logger.Level.WARNING, "usage event receiver rejected a batch of " + batch.size()
              + " (attempt " + rejections + " of " + maxRejections + "): " + e.getMessage());
          listeners.forEach(l -> l.onFailed(payloads.size()));
          return Outcome.FAILED;
        }
        List<String> ids = batch.stream().map(StoredEvent::id).toList();
        LOG.log(System.Logger.Level.ERROR, "dead-lettering " + batch.size() + " usage events the receiver "
            + "rejected " + rejections + " times (" + e.getMessage() + "); ids: " + ids);
        finish(batch);
        listeners.forEach(l -> l.onDeadLettered(payloads.size()));
        return Outcome.DEAD_LETTERED;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failures++;
        return Outcome.FAILED;
      } catch (Exception e) {
        failures++;
        rejections = 0;
        LOG.log(System.Logger.Level.WARNING, "delivering " + batch.size() + " usage events to " + sink
            + " failed (attempt " + failures + "); retrying: " + e);
        listeners.forEach(l -> l.onFailed(payloads.size()));
        return Outcome.FAILED;
      }
      finish(batch);
      listeners.forEach(l -> l.onDelivered(payloads.size()));
      return Outcome.DELIVERED;
    } finally {
      lock.unlock();
    }
  }

  /** The event's CloudEvents JSON, rendered from what the store kept (the same bytes every time). */
  private static String render(StoredEvent e) {
    try {
      return UsageEvent.fromStored(e.payload()).toJson();
    } catch (IllegalArgumentException bad) {
      throw new IllegalStateException("usage event " + e.id() + " at " + e.position() + " of client "
          + e.clientId() + " cannot be read: " + bad.getMessage(), bad);
    }
  }

  /**
   * The next batch: the one claimed ahead (topped up to the batch size when it came back short) unless its
   * lease lapsed or its claim failed or was interrupted, else a new claim.
   */
  private List<StoredEvent> claimNext() {
    Future<List<StoredEvent>> ahead = next;
    next = null;
    List<StoredEvent> batch = List.of();
    if (ahead != null) {
      try {
        batch = ahead.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // its events lapse and are claimed again
      } catch (ExecutionException e) {
        LOG.log(System.Logger.Level.DEBUG, "claiming usage events ahead failed; claiming again: " + e.getCause());
      }
      if (clock.millis() >= nextClaimedAt + leaseMillis) {
        batch = List.of();
      }
    }
    if (batch.size() == batchSize) {
      return batch;
    }
    List<StoredEvent> more = log.claim(consumer, batchSize - batch.size(), clock.millis(), leaseMillis);
    if (batch.isEmpty()) {
      return more;
    }
    List<StoredEvent> all = new ArrayList<>(batch);
    all.addAll(more);
    return all;
  }

  private void claimAhead() {
    ExecutorService e = claimer;
    if (e == null) {
      e = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "apibilling-event-claimer");
        t.setDaemon(true);
        return t;
      });
      claimer = e;
    }
    long now = clock.millis();
    nextClaimedAt = now;
    next = e.submit(() -> log.claim(consumer, batchSize, now, leaseMillis));
  }

  /** Recorded events not delivered yet, across every exporter of the store. */
  public long lag() {
    return log.undelivered();
  }

  /**
   * Starts exporting on a daemon thread: a full batch is followed at once by the next, an idle round
   * waits the poll interval, a failure waits an exponential backoff.
   *
   * @return this exporter
   * @throws IllegalStateException if it was started or closed already
   */
  public UsageEventExporter start() {
    lock.lock();
    try {
      if (thread != null || closed) {
        throw new IllegalStateException("the exporter was started or closed already");
      }
      Thread t = new Thread(this::run, "apibilling-event-exporter");
      t.setDaemon(true);
      thread = t;
      t.start();
      return this;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the thread (after the batch in flight) and closes the sink. A batch claimed ahead stays claimed
   * until its lease lapses; then any exporter of the store delivers it.
   */
  @Override
  public void close() {
    Thread t;
    lock.lock();
    try {
      closed = true;
      wake.signalAll();
      t = thread;
    } finally {
      lock.unlock();
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    lock.lock();
    try {
      if (claimer != null) {
        claimer.shutdown();
      }
    } finally {
      lock.unlock();
    }
    sink.close();
  }

  private void run() {
    while (!closed) {
      Duration wait;
      try {
        Outcome o = exportOnce();
        wait = switch (o) {
          case DELIVERED, DEAD_LETTERED -> Duration.ZERO;
          case IDLE -> pollInterval;
          case FAILED -> backoff();
        };
      } catch (RuntimeException e) {
        failures++;
        LOG.log(System.Logger.Level.WARNING, "reading usage events from the store failed; retrying: " + e);
        wait = backoff();
      }
      if (!wait.isZero()) {
        pause(wait);
      }
    }
  }

  private Duration backoff() {
    int shift = Math.min(Math.max(failures - 1, 0), 20);
    Duration d = minBackoff.multipliedBy(1L << shift);
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }

  private void pause(Duration wait) {
    lock.lock();
    try {
      if (!closed) {
        wake.await(wait.toNanos(), TimeUnit.NANOSECONDS);
      }
    } catch (InterruptedException e) {
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  private void finish(List<StoredEvent> batch) {
    log.markDelivered(consumer, batch, clock.millis());
    held = null;
    rejections = 0;
    failures = 0;
  }

  private void purgeIfDue() {
    Duration keep = retention;
    long now = clock.millis();
    if (keep != null && now >= nextPurge) {
      nextPurge = now + Duration.ofHours(1).toMillis();
      log.purgeDelivered(now - keep.toMillis());
    }
  }

  /** Settings of a {@link UsageEventExporter}; every one has a default. Not thread safe. */
  public static final class Builder {
    private final UsageEventLog log;
    private final EventSink sink;
    private Clock clock = Clock.systemUTC();
    private @Nullable String consumer;
    private int batchSize = 500;
    private Duration lease = Duration.ofMinutes(1);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration minBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofMinutes(1);
    private int maxRejections = 3;
    private @Nullable Duration retention = Duration.ofDays(30);
    private final List<ExporterMonitor> listeners = new ArrayList<>();

    private Builder(UsageEventLog log, EventSink sink) {
      this.log = log;
      this.sink = sink;
    }

    /** The clock of claims, delivery marks and retention (default {@link Clock#systemUTC()}). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** This exporter's name in claims (default {@code exporter-<random UUID>}); unique per exporter. */
    public Builder consumer(String consumer) {
      this.consumer = Requirements.eventSource(consumer);
      return this;
    }

    /** The most events per delivery (default 500, at most 10,000). */
    public Builder batchSize(int batchSize) {
      this.batchSize = Requirements.between("batchSize", batchSize, 10_000);
      return this;
    }

    /**
     * How long a claimed batch is this exporter's alone (default 1 minute): longer than a delivery takes,
     * short enough that another exporter soon takes over the events of one that died.
     */
    public Builder lease(Duration lease) {
      this.lease = Requirements.positive("lease", lease);
      return this;
    }

    /** How long the thread waits when there was nothing to deliver (default 1 second). */
    public Builder pollInterval(Duration interval) {
      this.pollInterval = Requirements.positive("pollInterval", interval);
      return this;
    }

    /** The first and the longest wait after a failed delivery (default 200 ms, doubling up to 1 minute). */
    public Builder backoff(Duration first, Duration longest) {
      this.minBackoff = Requirements.positive("backoff", first);
      this.maxBackoff = Requirements.positive("backoff", longest);
      if (longest.compareTo(first) < 0) {
        throw new IllegalArgumentException("backoff longest must be >= first but was " + longest + " < " + first);
      }
      return this;
    }

    /** How many rejections in a row dead-letter a batch (default 3). */
    public Builder maxRejections(int maxRejections) {
      this.maxRejections = Requirements.between("maxRejections", maxRejections, 1000);
      return this;
    }

    /** How long delivered events stay queryable before the exporter purges them (default 30 days). */
    public Builder retention(Duration retention) {
      this.retention = Requirements.positive("retention", retention);
      return this;
    }

    /** Keeps delivered events until something else purges them. */
    public Builder keepDelivered() {
      this.retention = null;
      return this;
    }

    /**
     * Records the exporter's metrics: {@code monitor} is bound to the event log now and hears every
     * delivery. For Micrometer: {@code .metrics(ExporterMetrics.monitor(registry))}.
     */
    public Builder metrics(ExporterMonitor monitor) {
      monitor.bindTo(log);
      listeners.add(monitor);
      return this;
    }

    public UsageEventExporter build() {
      return new UsageEventExporter(this, log);
    }
  }
}
