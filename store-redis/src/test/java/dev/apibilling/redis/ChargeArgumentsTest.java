package dev.apibilling.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The decision script and {@link ChargeArguments}, the plain-charge script and {@link PlainChargeArguments},
 * name the same KEYS and ARGV slots.
 */
final class ChargeArgumentsTest {

  /** {@code local A, B, C = 1, 2, 3}, possibly over several lines (a list: single constants are not slots). */
  private static final Pattern NAMED =
      Pattern.compile("local ([A-Z_]+(?:,\\s+[A-Z_]+)+) = ([0-9]+(?:,\\s+[0-9]+)+)\\n");

  @Test
  void everySlotTheScriptNamesHasTheSameIndexInJava() throws IllegalAccessException {
    assertThat(named(RedisScripts.CHARGE)).hasSize(17).isEqualTo(javaSlots(ChargeArguments.class));
  }

  @Test
  void everySlotThePlainChargeScriptNamesHasTheSameIndexInJava() throws IllegalAccessException {
    assertThat(named(RedisScripts.PLAIN_CHARGE)).hasSize(9).isEqualTo(javaSlots(PlainChargeArguments.class));
  }

  private static Map<String, Integer> named(String script) {
    Map<String, Integer> lua = new LinkedHashMap<>();
    Matcher m = NAMED.matcher(script);
    while (m.find()) {
      String[] names = m.group(1).trim().split("[,\\s]+");
      String[] numbers = m.group(2).trim().split("[,\\s]+");
      assertThat(names).hasSameSizeAs(numbers);
      for (int i = 0; i < names.length; i++) {
        lua.put(names[i], Integer.parseInt(numbers[i]));
      }
    }
    return lua;
  }

  private static Map<String, Integer> javaSlots(Class<?> arguments) throws IllegalAccessException {
    Map<String, Integer> java = new LinkedHashMap<>();
    for (Field f : arguments.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
        java.put(f.getName(), f.getInt(null) + 1);
      }
    }
    return java;
  }
}
