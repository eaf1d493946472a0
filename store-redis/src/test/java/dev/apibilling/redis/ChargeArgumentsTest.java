package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The decision script and {@link ChargeArguments} name the same KEYS and ARGV slots. */
final class ChargeArgumentsTest {

  /** {@code local A, B, C = 1, 2, 3}, possibly over several lines (a list: single constants are not slots). */
  private static final Pattern NAMED =
      Pattern.compile("local ([A-Z_]+(?:,\\s+[A-Z_]+)+) = ([0-9]+(?:,\\s+[0-9]+)+)\\n");

  @Test
  void everySlotTheScriptNamesHasTheSameIndexInJava() throws IllegalAccessException {
    Map<String, Integer> lua = new LinkedHashMap<>();
    Matcher m = NAMED.matcher(RedisScripts.CHARGE);
    while (m.find()) {
      String[] names = m.group(1).trim().split("[,\\s]+");
      String[] numbers = m.group(2).trim().split("[,\\s]+");
      assertThat(names).hasSameSizeAs(numbers);
      for (int i = 0; i < names.length; i++) {
        lua.put(names[i], Integer.parseInt(numbers[i]));
      }
    }
    Map<String, Integer> java = new LinkedHashMap<>();
    for (Field f : ChargeArguments.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        java.put(f.getName(), f.getInt(null) + 1);
      }
    }
    assertThat(lua).hasSize(17).isEqualTo(java);
  }
}
