package dev.apibilling.memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.DayTotal;
import dev.apibilling.spi.UsageStore;
import dev.apibilling.spi.WindowSlot;
import dev.apibilling.tck.OperationQuotaContract;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** Quotas per operation on the in-memory store (one store object shared, as by instances in one JVM). */
final class InMemoryOperationQuotaTest extends OperationQuotaContract {

  private static final long DAY_MILLIS = 86_400_000L;
  private static final long NOW = Instant.parse("2026-03-10T10:15:30Z").toEpochMilli();
  private static final long TODAY = Math.floorDiv(NOW, DAY_MILLIS);

  private final InMemoryUsageStore shared = InMemoryUsageStore.create();

  @Override
  protected UsageStore newStore() {
    return shared;
  }

  private static List<WindowSlot> slots(String... policies) {
    long start = TODAY * DAY_MILLIS;
    return java.util.Arrays.stream(policies).map(p -> new WindowSlot(p, start, start + DAY_MILLIS, 1_000)).toList();
  }

  private static ChargeRequest charge(String client, List<WindowSlot> slots, long credits, long now,
      String operation) {
    return new ChargeRequest(client, slots, credits, ChargeMode.CHARGE, null, 0, null, 0,
        Math.floorDiv(now, DAY_MILLIS), Map.of(), now, null, operation);
  }

  @Test
  void chargeOfAnOperationLeavesNoQuickPathThatWouldMissItsTotal() {
    InMemoryUsageStore store = InMemoryUsageStore.create();
    List<WindowSlot> operation = slots("day", "report/day");
    List<WindowSlot> plain = slots("day");
    store.charge(charge("c", operation, 2, NOW, "report"));

    assertThat(store.chargeQuickly(handle(store), "c", operation, 1, TODAY, NOW)).isNull();

    store.charge(charge("c", plain, 1, NOW, null));
    assertThat(store.chargeQuickly(handle(store), "c", plain, 4, TODAY, NOW)).as("plain charges still go quickly")
        .containsExactly(7);
    store.charge(charge("c", operation, 3, NOW, "report"));
    assertThat(store.history("c", "report", TODAY, TODAY)).containsExactly(new DayTotal(TODAY, 5));
    assertThat(store.history("c", TODAY, TODAY)).containsExactly(new DayTotal(TODAY, 10));
  }

  @Test
  void operationDaysAreDroppedAfterTheHistoryRetentionAndKeepTheClientUntilThen() {
    InMemoryUsageStore store = InMemoryUsageStore.builder().historyRetention(Duration.ofDays(30)).build();
    List<WindowSlot> operation = slots("report/day");
    store.charge(charge("c", operation, 2, NOW, "report"));
    store.charge(charge("c", operation, 3, NOW + DAY_MILLIS, "report"));
    store.deleteHistory("c", TODAY - 5, TODAY + 5);
    store.charge(charge("c", operation, 4, NOW, "report"));
    store.deleteHistory("c", TODAY, TODAY);            // the client's days are gone, the operation's too
    store.charge(charge("c", operation, 6, NOW + 2 * DAY_MILLIS, "report"));

    store.sweep(NOW + 31 * DAY_MILLIS);
    assertThat(store.history("c", "report", TODAY, TODAY + 5)).containsExactly(new DayTotal(TODAY + 2, 6));
    assertThat(store.clientCount()).isEqualTo(1);

    store.sweep(NOW + 34 * DAY_MILLIS);
    assertThat(store.history("c", "report", TODAY, TODAY + 5)).isEmpty();
    assertThat(store.clientCount()).isZero();
  }

  private static Object handle(InMemoryUsageStore store) {
    return Objects.requireNonNull(store.quickHandle("c"));
  }
}
