package dev.apibilling.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.apibilling.ApiBilling;
import dev.apibilling.BillingDecision;
import dev.apibilling.Charge;
import dev.apibilling.ForecastSettings;
import dev.apibilling.memory.InMemoryUsageStore;
import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.ChargeResult;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.SettleRequest;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where the time of one in-memory decision goes (not part of the suite's table; run it with
 * {@code java -jar benchmarks.jar jmh InMemoryBreakdown -prof gc}): the decision without its store (a store
 * that answers a constant), the store call alone with a prepared request, and the parts of the store's and
 * the billing's path one by one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@State(Scope.Benchmark)
public class InMemoryBreakdownBenchmark {

  private static final String CLIENT = "client-1";

  /** A store that answers every charge with the same granted result. */
  static final class ConstantStore implements UsageStore {
    private final ChargeResult result = ChargeResult.of(true, new long[] {1}, null);

    @Override
    public ChargeResult charge(ChargeRequest request) {
      return result;
    }

    @Override
    public boolean settle(SettleRequest request) {
      return false;
    }

    @Override
    public long[] usage(String clientId, List<WindowSlot> windows, long now) {
      return new long[windows.size()];
    }

    @Override
    public List<DayTotal> history(String clientId, long fromEpochDay, long toEpochDay) {
      return List.of();
    }

    @Override
    public long deleteHistory(String clientId, long fromEpochDay, long toEpochDay) {
      return 0;
    }
  }

  private ApiBilling onConstantStore;
  private ApiBilling onConstantStoreForecastsOff;
  private ApiBilling inMemory;
  private ApiBilling inMemoryForecastsOff;
  private InMemoryUsageStore store;
  private ChargeRequest request;
  private Cache<String, Object> caffeine;
  private Cache<String, Object> caffeineUnbounded;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicLong atomic = new AtomicLong();
  private final Function<String, Object> factory = k -> new Object();
  private final ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
  private final Object monitor = new Object();
  private long counter;

  @Setup
  public void setUp() {
    onConstantStore = ApiBilling.builder().store(new ConstantStore()).build();
    onConstantStoreForecastsOff =
        ApiBilling.builder().store(new ConstantStore()).forecasts(ForecastSettings.off()).build();
    onConstantStore.updateClientQuotas(CLIENT, Limits.oneQuota());
    onConstantStoreForecastsOff.updateClientQuotas(CLIENT, Limits.oneQuota());
    inMemory = ApiBilling.builder().build();
    inMemory.updateClientQuotas(CLIENT, Limits.oneQuota());
    inMemoryForecastsOff = ApiBilling.builder().forecasts(ForecastSettings.off()).build();
    inMemoryForecastsOff.updateClientQuotas(CLIENT, Limits.oneQuota());
    store = InMemoryUsageStore.create();
    long now = System.currentTimeMillis();
    long start = now - now % 60_000;
    request = new ChargeRequest(CLIENT, List.of(new WindowSlot("minute", start, start + 3_600_000_000L, Limits.HUGE)),
        1, ChargeMode.CHARGE, null, 0, null, now + 600_000, now / 86_400_000L, Map.of(), now);
    caffeine = Caffeine.newBuilder().maximumSize(1_000_000).build();
    caffeine.put(CLIENT, new Object());
    caffeineUnbounded = Caffeine.newBuilder().build();
    caffeineUnbounded.put(CLIENT, new Object());
    map.put(CLIENT, new Object());
  }

  /** ApiBilling.tryTrackClientUsage over a store that does nothing. */
  @Benchmark
  public BillingDecision billingWithoutStore() {
    return onConstantStore.tryTrackClientUsage(CLIENT, 1);
  }

  /** The same with forecasts off: the difference is what the burn-rate forecast costs a decision. */
  @Benchmark
  public BillingDecision billingWithoutStoreForecastsOff() {
    return onConstantStoreForecastsOff.tryTrackClientUsage(CLIENT, 1);
  }

  /** A decision on the in-memory store, forecasts on (the default): the counts change every call. */
  @Benchmark
  public BillingDecision billingInMemory() {
    return inMemory.tryTrackClientUsage(CLIENT, 1);
  }

  /** The same with forecasts off. */
  @Benchmark
  public BillingDecision billingInMemoryForecastsOff() {
    return inMemoryForecastsOff.tryTrackClientUsage(CLIENT, 1);
  }

  /** InMemoryUsageStore.charge with a prepared request. */
  @Benchmark
  public ChargeResult storeChargeOnly() {
    return store.charge(request);
  }

  /** Validation of a charge: Charge.of. */
  @Benchmark
  public Charge chargeOf() {
    return Charge.of(CLIENT, 1);
  }

  /** The clock read. */
  @Benchmark
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  /** The store's client lookup: a size-bounded Caffeine cache's get(key, mappingFunction). */
  @Benchmark
  public Object caffeineBoundedGet() {
    return caffeine.get(CLIENT, factory);
  }

  /** The same lookup in a Caffeine cache without a size bound (no read buffer to record the access in). */
  @Benchmark
  public Object caffeineUnboundedGet() {
    return caffeineUnbounded.get(CLIENT, factory);
  }

  /** A ConcurrentHashMap lookup, for comparison. */
  @Benchmark
  public Object concurrentHashMapGet() {
    return map.get(CLIENT);
  }

  /** The store's per-client monitor, uncontended, around a counter update. */
  @Benchmark
  public long synchronizedIncrement() {
    synchronized (monitor) {
      return ++counter;
    }
  }

  /** A ReentrantLock instead, uncontended. */
  @Benchmark
  public long reentrantLockIncrement() {
    lock.lock();
    try {
      return ++counter;
    } finally {
      lock.unlock();
    }
  }

  /** A compare-and-set of a counter below a limit: what one window needs at least. */
  @Benchmark
  public long casIncrement() {
    for (;;) {
      long used = atomic.get();
      if (used + 1 > Limits.HUGE) {
        return -1;
      }
      if (atomic.compareAndSet(used, used + 1)) {
        return used + 1;
      }
    }
  }
}
