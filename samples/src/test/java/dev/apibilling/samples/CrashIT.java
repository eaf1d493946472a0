package dev.apibilling.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.QuotaDuration;
import dev.apibilling.QuotaState;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.UsageStores;
import dev.apibilling.tck.MutableClock;
import dev.apibilling.tck.TcpProxy;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A demo instance killed with {@code kill -9} in the middle of requests: the credits its unfinished
 * requests held come back within the default reservation TTL (30 s), on Redis, PostgreSQL and MariaDB.
 *
 * <p>The demo reaches its store through a {@link TcpProxy}. Clients call {@code /api/hello} from 8 threads;
 * then what the demo sends to the store is held ({@link TcpProxy#freezeRequests()}: answers to commands
 * that reached the store still arrive), so every request in progress waits on a store call it sent after
 * the freeze (those past their reserve hold credits) and none is between an applied commit and its
 * answer; then the process is killed and the held bytes are dropped (cut). A billing of the test on the same store, its clock moved past the default TTL, then
 * reads usage equal to the credits of exactly the responses that came back billed (with RateLimit fields).
 */
final class CrashIT {

  private static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
  private static final int THREADS = 8;

  @ParameterizedTest
  @EnumSource(FreshStore.Kind.class)
  void holdsOfAnInstanceKilledMidRequestReturnWithinTheDefaultTtl(FreshStore.Kind kind) throws Exception {
    DemoProcess.jar();
    String run = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    FreshStore target = FreshStore.of(kind, run);
    ExecutorService threads = Executors.newFixedThreadPool(THREADS);
    try (TcpProxy proxy = TcpProxy.to(target.address().getHost(), target.port());
        DemoProcess demo = DemoProcess.start("--store", target.url("127.0.0.1", proxy.port()))) {
      AtomicLong billed = new AtomicLong();
      AtomicLong answered = new AtomicLong();
      AtomicBoolean frozen = new AtomicBoolean();
      CountDownLatch waiting = new CountDownLatch(THREADS);
      CountDownLatch warm = new CountDownLatch(20);
      URI hello = demo.uri("api/hello");
      for (int i = 0; i < THREADS; i++) {
        threads.submit(() -> {
          boolean counted = false;
          while (true) {
            if (frozen.get() && !counted) {
              counted = true;
              waiting.countDown(); // this request starts after the freeze: it waits at its reserve
            }
            HttpResponse<String> r;
            try {
              r = DemoHttp.get(hello, "pro-key");
            } catch (UncheckedIOException killed) {
              return null;
            }
            answered.incrementAndGet();
            if (r.statusCode() == 200 && r.headers().firstValue("RateLimit").isPresent()) {
              billed.incrementAndGet();
            }
            warm.countDown();
          }
        });
      }
      assertThat(warm.await(30, TimeUnit.SECONDS)).as("20 answers before the freeze").isTrue();
      proxy.freezeRequests();
      frozen.set(true);
      // threads stuck in a commit never count down: their request holds credits and gets no answer
      waiting.await(1, TimeUnit.SECONDS);
      demo.kill();
      proxy.cut();
      proxy.restore();
      threads.shutdown();
      assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).as("clients ended").isTrue();

      MutableClock clock = new MutableClock(Instant.now());
      try (UsageStore store = UsageStores.open(target.url("127.0.0.1", target.port()));
          ApiBilling billing = ApiBilling.builder().store(store).clock(clock).build()) {
        billing.updateClientQuotas("pro", List.of(QuotaDefinition.of(QuotaDuration.MINUTE, 100),
            QuotaDefinition.of(QuotaDuration.MONTH, 100_000)));
        long heldAtKill = month(billing) - billed.get();
        clock.advance(DEFAULT_TTL.plusSeconds(1));
        long after = month(billing);
        System.out.printf(Locale.ROOT, "crash-figures | %s | answered %d | billed %d | held at kill %d"
            + " | held or lost after the default TTL %d%n", kind, answered.get(), billed.get(), heldAtKill,
            after - billed.get());
        assertThat(heldAtKill).as("nothing billed is lost").isNotNegative();
        assertThat(after).as("usage after one default TTL = the credits answered as billed")
            .isEqualTo(billed.get());
      }
    } finally {
      threads.shutdownNow();
      target.delete();
    }
  }

  private static long month(ApiBilling billing) {
    return billing.status("pro").quotas().stream().filter(q -> q.policy().equals("month"))
        .mapToLong(QuotaState::used).sum();
  }
}
