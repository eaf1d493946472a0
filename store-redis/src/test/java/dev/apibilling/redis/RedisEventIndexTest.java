package dev.apibilling.redis;

import static dev.apibilling.QuotaDuration.DAY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.ApiBilling;
import dev.apibilling.Charge;
import dev.apibilling.QuotaDefinition;
import dev.apibilling.UsageEvent;
import dev.apibilling.UsageEventPage;
import dev.apibilling.tck.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbox's new events and the clients' daily indexes: a charge records its event with one {@code RPUSH},
 * and the next claim or query moves the new events into the outbox stream and files them in their client's
 * index before it reads, so what it reads is complete.
 */
final class RedisEventIndexTest {

  @RegisterExtension
  static final RedisTestSupport REDIS = RedisTestSupport.forClass("evindex");

  private static final Instant START = Instant.parse("2026-03-10T10:15:30Z");

  private final MutableClock clock = new MutableClock(START);
  private final String client = "evi-" + UUID.randomUUID();
  private RedisUsageStore store;
  private ApiBilling billing;
  private String base;
  private String outbox;

  @BeforeEach
  void open() {
    REDIS.deleteKeys(REDIS.prefix());
    store = RedisUsageStore.builder(RedisTestSupport.url()).keyPrefix(REDIS.prefix())
        .eventRetention(Duration.ofDays(3)).build();
    billing = ApiBilling.builder().store(store).clock(clock).usageEvents(true)
        .defaultQuotas(List.of(QuotaDefinition.of(DAY, 1_000_000))).build();
    base = store.keys().base(client);
    outbox = store.keys().outbox().stream();
  }

  @AfterEach
  void close() {
    billing.close();
    store.close();
  }

  @Test
  void aQueryFilesEveryEventRecordedSinceTheLastFilingBeforeItReads() {
    int n = 2_500; // more than one filing pass of the query script (1,000)
    for (int i = 0; i < n; i++) {
      assertThat(billing.tryCharge(Charge.of(client, 1 + i % 3)).granted()).isTrue();
    }
    assertThat(REDIS.keys(base + "e:")).as("nothing filed when recorded").isEmpty();
    assertThat(REDIS.sync().xlen(outbox)).isZero();
    assertThat(REDIS.sync().llen(outbox + ":new")).isEqualTo(2L * n);
    assertThat(store.eventLog().orElseThrow().undelivered()).isEqualTo(n);

    List<UsageEvent> read = readAll(1_000); // a first page that needs every pass done

    assertThat(read).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(read.get(i).credits()).isEqualTo(1 + i % 3);
    }
    assertThat(read).extracting(UsageEvent::id).doesNotHaveDuplicates();
    List<String> indexes = REDIS.keys(base + "e:");
    assertThat(indexes).hasSize(1);
    assertThat(REDIS.sync().llen(indexes.get(0))).isEqualTo(n);
    assertThat(REDIS.sync().xlen(outbox)).isEqualTo(n);
    assertThat(REDIS.sync().exists(outbox + ":new")).isZero();
    assertThat(store.eventLog().orElseThrow().undelivered()).isEqualTo(n);
    assertThat(REDIS.sync().pttl(indexes.get(0))).as("expires the retention after its day")
        .isPositive().isLessThanOrEqualTo(Duration.ofDays(4).toMillis());
    assertThat(readAll(300)).as("a second query files nothing again").hasSize(n);
    assertThat(REDIS.sync().llen(indexes.get(0))).isEqualTo(n);
  }

  @Test
  void aClaimFilesTheEntriesBeforeItClaimsThem() {
    for (int i = 0; i < 10; i++) {
      billing.tryCharge(Charge.of(client, 2));
    }
    assertThat(store.eventLog().orElseThrow().claim("exporter", 4, clock.millis(), 60_000)).hasSize(4);

    List<String> indexes = REDIS.keys(base + "e:");
    assertThat(indexes).hasSize(1);
    assertThat(REDIS.sync().llen(indexes.get(0))).as("twice the claim's size, at most").isEqualTo(8);
    assertThat(REDIS.sync().xlen(outbox)).isEqualTo(8);
    assertThat(store.eventLog().orElseThrow().undelivered()).isEqualTo(10);
    assertThat(readAll(100)).hasSize(10);
  }

  @Test
  void entriesAnEarlierVersionFiledWhenItRecordedThemAreNotFiledTwice() {
    billing.tryCharge(Charge.of(client, 5));
    // the entry as a version that wrote the stream and filed at record time wrote it: the record alone in
    // the stream, its id in the index
    List<String> recorded = REDIS.sync().lrange(outbox + ":new", 0, -1);
    assertThat(recorded).containsExactly(base, recorded.get(1));
    REDIS.sync().del(outbox + ":new");
    String old = REDIS.sync().xadd(outbox, "e", recorded.get(1));
    long day = Long.parseLong(old.substring(0, old.indexOf('-'))) / 86_400_000L;
    REDIS.sync().rpush(base + "e:" + day, old);
    billing.tryCharge(Charge.of(client, 7));

    assertThat(readAll(100)).extracting(UsageEvent::credits).containsExactly(5L, 7L);
    assertThat(REDIS.sync().lrange(base + "e:" + day, 0, -1)).hasSize(2).startsWith(old);
  }

  private List<UsageEvent> readAll(int pageSize) {
    List<UsageEvent> all = new ArrayList<>();
    String after = null;
    do {
      UsageEventPage page = billing.usageEvents(client, START.minusSeconds(60), START.plusSeconds(60), after,
          pageSize);
      all.addAll(page.events());
      after = page.next();
    } while (after != null);
    return all;
  }
}
