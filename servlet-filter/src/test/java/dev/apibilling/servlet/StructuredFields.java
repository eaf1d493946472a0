package dev.apibilling.servlet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small parser of RFC 8941 Lists of Items (strings, tokens, integers, booleans, with parameters), enough
 * to read RateLimit-Policy and RateLimit fields the way a client would. Throws on any syntax error.
 */
final class StructuredFields {

  /** One list member: its bare item and its parameters. */
  record Item(Object value, Map<String, Object> params) {
    long param(String key) {
      Object v = params.get(key);
      if (!(v instanceof Long l)) {
        throw new AssertionError("parameter " + key + " is not an integer in " + this);
      }
      return l;
    }
  }

  private final String s;
  private int i;

  private StructuredFields(String s) {
    this.s = s;
  }

  static List<Item> parseList(String field) {
    StructuredFields p = new StructuredFields(field);
    List<Item> items = new ArrayList<>();
    p.skipSp();
    if (p.i == p.s.length()) {
      return items;
    }
    while (true) {
      items.add(p.item());
      p.skipOws();
      if (p.i == p.s.length()) {
        return items;
      }
      p.expect(',');
      p.skipOws();
      if (p.i == p.s.length()) {
        throw new IllegalArgumentException("trailing comma in " + field);
      }
    }
  }

  private Item item() {
    Object value = bareItem();
    Map<String, Object> params = new LinkedHashMap<>();
    while (i < s.length() && s.charAt(i) == ';') {
      i++;
      skipSp();
      String key = key();
      Object v = Boolean.TRUE;
      if (i < s.length() && s.charAt(i) == '=') {
        i++;
        v = bareItem();
      }
      params.put(key, v);
    }
    return new Item(value, params);
  }

  private Object bareItem() {
    if (i >= s.length()) {
      throw new IllegalArgumentException("item expected at end of " + s);
    }
    char c = s.charAt(i);
    if (c == '"') {
      return string();
    }
    if (c == '-' || Character.isDigit(c)) {
      return integer();
    }
    if (c == '?') {
      i++;
      char b = s.charAt(i++);
      if (b != '0' && b != '1') {
        throw new IllegalArgumentException("bad boolean in " + s);
      }
      return b == '1';
    }
    if (Character.isLetter(c) || c == '*') {
      int start = i;
      while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i))
          || ":/!#$%&'*+-.^_`|~".indexOf(s.charAt(i)) >= 0)) {
        i++;
      }
      return new Token(s.substring(start, i));
    }
    throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in " + s);
  }

  record Token(String text) {}

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (i >= s.length()) {
        throw new IllegalArgumentException("unterminated string in " + s);
      }
      char c = s.charAt(i++);
      if (c == '\\') {
        char n = s.charAt(i++);
        if (n != '"' && n != '\\') {
          throw new IllegalArgumentException("bad escape in " + s);
        }
        b.append(n);
      } else if (c == '"') {
        return b.toString();
      } else if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException("bad string character in " + s);
      } else {
        b.append(c);
      }
    }
  }

  private Long integer() {
    int start = i;
    if (s.charAt(i) == '-') {
      i++;
    }
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i < s.length() && s.charAt(i) == '.') {
      throw new IllegalArgumentException("decimal where an integer is expected in " + s);
    }
    String digits = s.substring(start, i);
    if (digits.replace("-", "").length() > 15 || digits.equals("-") || digits.isEmpty()) {
      throw new IllegalArgumentException("integer out of range or empty in " + s);
    }
    return Long.parseLong(digits);
  }

  private String key() {
    int start = i;
    if (i >= s.length() || !(Character.isLowerCase(s.charAt(i)) || s.charAt(i) == '*')) {
      throw new IllegalArgumentException("parameter key expected at " + i + " in " + s);
    }
    while (i < s.length() && (Character.isLowerCase(s.charAt(i)) || Character.isDigit(s.charAt(i))
        || "_-.*".indexOf(s.charAt(i)) >= 0)) {
      i++;
    }
    return s.substring(start, i);
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw new IllegalArgumentException("'" + c + "' expected at " + i + " in " + s);
    }
    i++;
  }

  private void skipSp() {
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
  }

  private void skipOws() {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
  }
}
