package dev.apibilling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apibilling.spi.StoredEvent;
import dev.apibilling.spi.UsageStoreException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class UsageEventTest {

  private static final UsageEvent EVENT = new UsageEvent("k-\"1\"", "acme \\ co", 42,
      Instant.parse("2026-03-10T10:15:30.123Z"),
      List.of(new UsageEvent.Window("day", Instant.parse("2026-03-10T00:00:00Z"), Instant.parse("2026-03-11T00:00:00Z"))),
      new EventDetails("report", "POST", "POST /api/reports/*", 201),
      Map.of("b", "line\u2028sep \u00e9 \ud83d\ude00", "a", "x/y"), "urn:test");

  @Test
  void jsonIsACloudEventThatReadsBackToTheSameEvent() {
    String json = EVENT.toJson();
    assertThat(json).startsWith("{\"specversion\":\"1.0\",\"id\":\"k-\\\"1\\\"\",\"source\":\"urn:test\","
        + "\"type\":\"dev.apibilling.usage\",\"subject\":\"acme \\\\ co\",\"time\":\"2026-03-10T10:15:30.123Z\","
        + "\"datacontenttype\":\"application/json\",\"data\":{\"credits\":42,");
    assertThat(json).contains("\"metadata\":{\"a\":\"x/y\",\"b\":\"line\\u2028sep \u00e9 \ud83d\ude00\"}")
        .contains("\"status\":201");
    assertThat(UsageEvent.fromJson(json)).isEqualTo(EVENT);
    assertThat(UsageEvent.fromJsonBatch("[" + json + " , " + json + "]")).containsExactly(EVENT, EVENT);
  }

  @Test
  void storedFormIsCompactReadsBackToTheSameEventAndRendersTheSameJson() {
    String stored = EventCodec.encode(EVENT);
    assertThat(stored).startsWith("E1" + "5:k-\"1\"" + "9:acme \\ co" + "13:1773137730123" + "2:42");
    assertThat(stored.length()).isLessThan(EVENT.toJson().length() / 2);
    assertThat(UsageEvent.fromStored(stored)).isEqualTo(EVENT);
    assertThat(UsageEvent.fromStored(stored).toJson()).isEqualTo(EVENT.toJson());
    StoredEvent head = StoredEvent.fromPayload("7-0", stored);
    assertThat(head).isEqualTo(new StoredEvent("7-0", "acme \\ co", "k-\"1\"", 1773137730123L, stored));
    UsageEvent bare = new UsageEvent("1:2", "-", 1, Instant.EPOCH, List.of(), EventDetails.NONE, Map.of(), "s");
    assertThat(UsageEvent.fromStored(EventCodec.encode(bare))).isEqualTo(bare);
    assertThat(UsageEvent.fromStored(EVENT.toJson())).isEqualTo(EVENT); // what stores kept before
  }

  @Test
  void storedFormKeepsNumbersOfEveryMagnitude() {
    for (long n : new long[] {0, 9, 10, 99, 100, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L,
        Long.MAX_VALUE, -1, -10, Long.MIN_VALUE}) {
      assertThat(EventCodec.digits(n)).as("%d", n).isEqualTo(Long.toString(n).length());
    }
    UsageEvent extreme = new UsageEvent("i", "c", Long.MAX_VALUE, Instant.ofEpochMilli(Long.MIN_VALUE),
        List.of(new UsageEvent.Window("w", Instant.ofEpochMilli(-1), Instant.ofEpochMilli(Long.MAX_VALUE))),
        new EventDetails(null, null, null, 599), Map.of("k".repeat(256), "v".repeat(256)), "s");
    assertThat(UsageEvent.fromStored(EventCodec.encode(extreme))).isEqualTo(extreme);
  }

  @Test
  void malformedStoredFormIsRefusedWithTheReason() {
    assertThatThrownBy(() -> UsageEvent.fromStored("X1")).hasMessageStartingWith("a stored usage event starts with E1");
    String stored = EventCodec.encode(EVENT);
    assertThatThrownBy(() -> UsageEvent.fromStored(stored.substring(0, stored.length() - 3)))
        .hasMessageStartingWith("not a stored usage event");
    assertThatThrownBy(() -> UsageEvent.fromStored(stored + "1:x")).hasMessageContaining("text after the last field");
    assertThatThrownBy(() -> StoredEvent.fromPayload("9-1", "E1zz")).isInstanceOf(UsageStoreException.class)
        .hasMessage("not a usage event payload at 9-1: E1zz");
  }

  @Test
  void unknownDetailsAreLeftOut() {
    UsageEvent bare = new UsageEvent("id", "acme", 1, Instant.EPOCH, List.of(), EventDetails.NONE, Map.of(), "s");
    assertThat(bare.toJson()).doesNotContain("method").doesNotContain("status").contains("\"metadata\":{}");
    assertThat(UsageEvent.fromJson(bare.toJson())).isEqualTo(bare);
  }

  @Test
  void malformedJsonIsRefusedWithTheReason() {
    assertThatThrownBy(() -> UsageEvent.fromJson("[]")).hasMessage("usage event JSON must be an object");
    assertThatThrownBy(() -> UsageEvent.fromJson("{\"id\":1.5}"))
        .hasMessageContaining("usage event JSON: expected");
    assertThatThrownBy(() -> UsageEvent.fromJson("{\"id\":\"x\"}"))
        .hasMessageStartingWith("usage event JSON lacks a field");
    assertThatThrownBy(() -> UsageEvent.fromJsonBatch("{}")).hasMessage("usage event batch JSON must be an array");
  }

  @Test
  void detailsAndSourcesAreValidatedWithClearMessages() {
    assertThatThrownBy(() -> new EventDetails(null, null, null, 99))
        .hasMessage("status must be >= 100 and <= 599 but was 99");
    assertThatThrownBy(() -> new EventDetails(null, "GET\n", null, null))
        .hasMessage("event method must be 1 to 256 characters without control characters but was 'GET\\u000a'");
    assertThatThrownBy(() -> ApiBilling.builder().eventSource("has space"))
        .hasMessage("event source must be 1 to 256 visible ASCII characters (0x21-0x7E) but was 'has space'");
  }

  @Test
  void eventIdsWithoutAKeyAreVersion7UuidsOrderedByTime() {
    String earlier = Events.nextId(1_700_000_000_000L);
    String later = Events.nextId(1_700_000_000_001L);
    assertThat(earlier).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    String millis = String.format("%012x", 1_700_000_000_000L); // the 48-bit time, big-endian
    assertThat(earlier.substring(0, 13)).isEqualTo(millis.substring(0, 8) + "-" + millis.substring(8));
    assertThat(earlier).isLessThan(later);
  }

  @Test
  void aStoreWithoutAnEventLogIsRefusedWhenEventsAreOn() {
    dev.apibilling.tck.ForwardingUsageStore noLog = new dev.apibilling.tck.ForwardingUsageStore() {
      private final dev.apibilling.spi.UsageStore inner = dev.apibilling.memory.InMemoryUsageStore.create();

      @Override
      protected dev.apibilling.spi.UsageStore delegate() {
        return inner;
      }

      @Override
      public java.util.Optional<dev.apibilling.spi.UsageEventLog> eventLog() {
        return java.util.Optional.empty();
      }

      @Override
      public String toString() {
        return "NoLog";
      }
    };
    assertThatThrownBy(() -> ApiBilling.builder().store(noLog).usageEvents(true).build())
        .hasMessage("usageEvents(true) needs a store that records usage events, but NoLog records none");
    try (ApiBilling off = ApiBilling.builder().store(noLog).build()) {
      assertThatThrownBy(() -> off.usageEvents("acme", Instant.EPOCH, Instant.EPOCH, null, 10))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
