package dev.apibilling.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Table names of one prefix and the schema script of a dialect, split into statements. */
final class Schema {

  /** What a table prefix may be: a lower-case letter, then up to 29 lower-case letters, digits or '_'. */
  static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,29}");

  final String prefix;
  final String clients;
  final String windows;
  final String idempotency;
  final String reservations;
  final String daily;
  final String operationDaily;
  final String events;

  Schema(String prefix) {
    this.prefix = validPrefix(prefix);
    this.clients = prefix + "clients";
    this.windows = prefix + "windows";
    this.idempotency = prefix + "idempotency";
    this.reservations = prefix + "reservations";
    this.daily = prefix + "daily";
    this.operationDaily = prefix + "operation_daily";
    this.events = prefix + "events";
  }

  /**
   * The prefix, if it is one.
   *
   * @throws IllegalArgumentException if it is not
   */
  static String validPrefix(String prefix) {
    Objects.requireNonNull(prefix, "tablePrefix");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("tablePrefix must match " + PREFIX.pattern() + " (a lower-case "
          + "letter, then up to 29 lower-case letters, digits or '_') but was '" + printable(prefix) + "'");
    }
    return prefix;
  }

  /** The dialect's schema script with this prefix. */
  String script(JdbcDialect dialect) {
    String text;
    try (InputStream in = Schema.class.getClassLoader().getResourceAsStream(dialect.schemaResource())) {
      if (in == null) {
        throw new IllegalStateException("schema resource " + dialect.schemaResource() + " is missing");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.replace("${prefix}", prefix);
  }

  /** The statements of the dialect's schema, comments dropped, in order. */
  List<String> statements(JdbcDialect dialect) {
    return split(script(dialect));
  }

  /**
   * Splits a script into statements: each ends with the delimiter at the end of a line, {@code ;} unless
   * a {@code DELIMITER x} line (as in the MariaDB client) changed it, and never inside dollar-quoted
   * ({@code $$ ... $$}) bodies. Whole-line {@code --} comments outside bodies are dropped.
   */
  static List<String> split(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    String delimiter = ";";
    boolean inBody = false;
    for (String line : script.split("\n", -1)) {
      String trimmed = line.strip();
      if (!inBody && (trimmed.isEmpty() || trimmed.startsWith("--"))) {
        continue;
      }
      if (!inBody && current.length() == 0 && trimmed.regionMatches(true, 0, "DELIMITER ", 0, 10)) {
        delimiter = trimmed.substring(10).strip();
        continue;
      }
      current.append(line).append('\n');
      int dollars = 0;
      for (int i = line.indexOf("$$"); i >= 0; i = line.indexOf("$$", i + 2)) {
        dollars++;
      }
      if (dollars % 2 == 1) {
        inBody = !inBody;
      }
      if (!inBody && trimmed.endsWith(delimiter)) {
        String statement = current.toString().strip();
        statements.add(statement.substring(0, statement.length() - delimiter.length()).strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) {
      throw new IllegalStateException("schema script ends inside a statement: " + current);
    }
    return statements;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return s.length() > 80 ? b + "..." : b.toString();
  }
}
