package dev.apibilling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one place JSON is written and read in core: string escaping per RFC 8259, and a small parser of
 * objects, arrays, strings, integers, booleans and null (what usage events hold). Numbers with a
 * fraction or exponent are refused: events hold exact integers only.
 */
final class EventJson {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String text;
  private int at;

  private EventJson(String text) {
    this.text = text;
  }

  /** Appends {@code s} as a JSON string, quotes included. */
  static StringBuilder quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  /**
   * Parses one JSON value: a {@code Map} (insertion ordered), {@code List}, {@code String}, {@code Long},
   * {@code Boolean} or null.
   *
   * @throws IllegalArgumentException if the text is not such a value
   */
  static @Nullable Object parse(String text) {
    EventJson p = new EventJson(text);
    Object value = p.value();
    p.space();
    if (p.at != text.length()) {
      throw p.error("end of input");
    }
    return value;
  }

  private @Nullable Object value() {
    space();
    if (at >= text.length()) {
      throw error("a value");
    }
    char c = text.charAt(at);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        return number();
    }
  }

  private Map<String, Object> object() {
    Map<String, Object> m = new LinkedHashMap<>();
    at++;
    space();
    if (peek('}')) {
      at++;
      return m;
    }
    for (;;) {
      space();
      if (!peek('"')) {
        throw error("a member name");
      }
      String name = string();
      space();
      expect(':');
      m.put(name, value());
      space();
      if (peek(',')) {
        at++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<Object> array() {
    List<Object> list = new ArrayList<>();
    at++;
    space();
    if (peek(']')) {
      at++;
      return list;
    }
    for (;;) {
      list.add(value());
      space();
      if (peek(',')) {
        at++;
        continue;
      }
      expect(']');
      return list;
    }
  }

  private String string() {
    at++;
    StringBuilder b = new StringBuilder();
    while (at < text.length()) {
      char c = text.charAt(at++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      if (at >= text.length()) {
        break;
      }
      char e = text.charAt(at++);
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (at + 4 > text.length()) {
            throw error("four hex digits");
          }
          try {
            b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException x) {
            throw error("four hex digits");
          }
          at += 4;
        }
        default -> throw error("an escape");
      }
    }
    throw error("the end of a string");
  }

  private Long number() {
    int start = at;
    if (peek('-')) {
      at++;
    }
    while (at < text.length() && Character.isDigit(text.charAt(at))) {
      at++;
    }
    try {
      return Long.parseLong(text.substring(start, at));
    } catch (NumberFormatException e) {
      throw error("an integer");
    }
  }

  private @Nullable Object literal(String word, @Nullable Object value) {
    if (!text.startsWith(word, at)) {
      throw error(word);
    }
    at += word.length();
    return value;
  }

  private boolean peek(char c) {
    return at < text.length() && text.charAt(at) == c;
  }

  private void expect(char c) {
    if (!peek(c)) {
      throw error("'" + c + "'");
    }
    at++;
  }

  private void space() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
  }

  private IllegalArgumentException error(String expected) {
    return new IllegalArgumentException("usage event JSON: expected " + expected + " at index " + at);
  }
}
