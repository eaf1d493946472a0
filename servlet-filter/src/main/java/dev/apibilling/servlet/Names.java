package dev.apibilling.servlet;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses the configuration names of enums: case-insensitive, {@code -} and {@code _} alike. */
final class Names {

  private Names() {}

  static <E extends Enum<E>> E parse(Class<E> type, String what, String text) {
    String wanted = text.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(wanted)) {
        return e;
      }
      allowed.add(configName(e));
    }
    throw new IllegalArgumentException(
        what + " must be one of " + allowed + " but was '" + text.trim() + "'");
  }

  static String configName(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
