package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.spi.ChargeMode;
import dev.apibilling.spi.ChargeRequest;
import dev.apibilling.spi.EventRecord;
import dev.apibilling.spi.WindowSlot;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link PlainChargeArguments} writes the very bytes Lettuce writes for the same keys and numbers given as
 * strings: any client id, policy name and number, negative and extreme ones included.
 */
class PlainChargeArgumentsTest {

  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  @Test
  void writesWhatLettuceWritesForTheSameStrings() {
    List<WindowSlot> windows = List.of(
        new WindowSlot("minute", 1_700_000_040_000L, 1_700_000_100_000L, 5),
        new WindowSlot("jour-été ✓", 0, 86_400_000L, WindowSlot.UNLIMITED),
        new WindowSlot("p", -42, Long.MAX_VALUE / 2, Long.MAX_VALUE),
        new WindowSlot("long-" + "p".repeat(3000), 7, 10, 1));
    for (String client : List.of("acme", "a", "x".repeat(65), "ünïcode {braces} and spaces", "")) {
      for (long now : List.of(1_700_000_050_000L, 0L, 9L, 10L, 99_999L)) {
        assertSame(request(client, windows, 3, now), "apibilling:", 1000, 123_456, 60_000);
        assertSame(request(client, windows.subList(0, 1), Long.MAX_VALUE, now), "p:", 1, Long.MIN_VALUE, 1);
      }
    }
    assertSame(request("acme", List.of(), 1, 5), "apibilling:", 1, 2, 4);
    for (String payload : List.of("E1 36:0193a1b2-c3d4-7e5f-a7b8-c9d0e1f2a3b4 4:acme 13:1700000050000",
        "", "ünïcode ✓ \r\n and \"quotes\"", "x".repeat(5000))) {
      assertSame(request("acme", windows, 3, 1_700_000_050_000L, payload), "apibilling:", 1000, 123_456,
          60_000);
      assertSame(request("x".repeat(65), many(), 1, 9L, payload), "p:", 1, Long.MIN_VALUE, 1);
    }
    assertSame(request("y".repeat(100), many(), Long.MAX_VALUE, Long.MIN_VALUE + 1), "a".repeat(64), 1,
        Long.MIN_VALUE, Long.MAX_VALUE);
  }

  private static List<WindowSlot> many() {
    List<WindowSlot> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(new WindowSlot("q" + i, -i * 1_000_000_007L, i + 1, i % 3 == 0 ? WindowSlot.UNLIMITED : i));
    }
    return many;
  }

  @Test
  void digitsOfEveryMagnitude() {
    long[] values = {0, 1, -1, 9, 10, -10, 99, 100, 1_000_000_007L, -999_999_999_999L, Long.MAX_VALUE,
        Long.MIN_VALUE, Long.MIN_VALUE + 1};
    for (long v : values) {
      byte[] s = new byte[24];
      int end = PlainChargeArguments.digits(s, 2, v);
      assertThat(new String(s, 2, end - 2, StandardCharsets.US_ASCII)).isEqualTo(Long.toString(v));
      assertThat(PlainChargeArguments.digits(v)).isEqualTo(Long.toString(v).length());
    }
  }

  private static ChargeRequest request(String client, List<WindowSlot> windows, long credits, long now) {
    return new ChargeRequest(client, windows, credits, ChargeMode.CHARGE, null, 0, null, 0, 19_700, Map.of(),
        now);
  }

  /** A plain charge that records a usage event whose compact record is {@code payload}. */
  private static ChargeRequest request(String client, List<WindowSlot> windows, long credits, long now,
      String payload) {
    return new ChargeRequest(client, windows, credits, ChargeMode.CHARGE, null, 0, null, 0, 19_700, Map.of(),
        now, new EventRecord("id", now, payload));
  }

  private static void assertSame(ChargeRequest request, String prefix, long daysTtl, long oldestDay,
      long grace) {
    RedisKeys keys = new RedisKeys(prefix);
    String base = keys.base(request.clientId());
    EventRecord event = request.event();
    String outbox = event == null ? null : keys.outbox(RedisKeys.slot(base)).stream();
    PlainChargeArguments args = new PlainChargeArguments(request, prefix.getBytes(StandardCharsets.US_ASCII),
        RedisKeys.tag(request.clientId()), daysTtl, oldestDay, grace, outbox)
        .script(SHA.getBytes(StandardCharsets.US_ASCII));

    CommandArgs<String, String> expected = new CommandArgs<>(StringCodec.UTF8).add(SHA)
        .add(2 + request.windows().size() + (event == null ? 0 : 1)).addKey(RedisKeys.reservations(base))
        .addKey(RedisKeys.days(base));
    for (WindowSlot slot : request.windows()) {
      expected.addKey(RedisKeys.window(base, slot));
    }
    if (outbox != null) {
      expected.addKey(outbox);
    }
    expected.add(request.now()).add(request.credits()).add(request.epochDay()).add(daysTtl).add(oldestDay);
    for (WindowSlot slot : request.windows()) {
      long ttl = slot.end() + grace - request.now();
      expected.add(slot.limit()).add(Math.max(ttl, 1)).add(ttl - grace / 2);
    }
    if (event != null) {
      expected.add(event.payload());
    }

    assertThat(args.count()).isEqualTo(expected.count());
    assertThat(encoded(args)).isEqualTo(encoded(expected));
    assertThat(args.getFirstEncodedKey()).isEqualTo(expected.getFirstEncodedKey());
    assertThat(args.windows()).isEqualTo(request.windows().size());
    assertThat(args.toCommandString()).contains(RedisKeys.reservations(base));
  }

  private static String encoded(CommandArgs<String, String> args) {
    ByteBuf buf = Unpooled.buffer(16);
    args.encode(buf);
    return buf.toString(StandardCharsets.UTF_8);
  }
}
