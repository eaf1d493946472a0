package dev.apibilling.servlet;

import dev.apibilling.SettingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Parses the configuration names of enums: case-insensitive, {@code -} and {@code _} alike. */
final class Names {

  private Names() {}

  /**
   * @throws SettingException naming {@code setting} if {@code text} names no constant
   */
  static <E extends Enum<E>> E parse(Class<E> type, String setting, String what, String text) {
    String wanted = text.trim().replace('-', '_').toUpperCase(Locale.ROOT);
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(wanted)) {
        return e;
      }
      allowed.add(configName(e));
    }
    throw SettingException.described(setting,
        what + " must be one of " + allowed + " but was '" + text.trim() + "'", null);
  }

  static String configName(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
