package dev.apibilling.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apibilling.jdbc.Protocol.ChargeAnswer;
import dev.apibilling.jdbc.Protocol.ChargeOne;
import dev.apibilling.jdbc.Protocol.MariaDbCharge;
import dev.apibilling.jdbc.Protocol.PostgresCharge;
import dev.apibilling.jdbc.Protocol.Settle;
import dev.apibilling.spi.ChargeMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The slots {@link Protocol} names are the parameters and answer columns of the shipped routines, in order. */
final class ProtocolTest {

  private static final Pattern PARAMETER = Pattern.compile("(?:^|,)\\s*(?:IN\\s+)?p_([a-z_]+)\\s");
  private static final Pattern ANSWER = Pattern.compile("SELECT (\\S+ AS granted, .*);");

  @Test
  void postgresFunctionsTakeTheNamedSlotsInOrder() {
    String sql = JdbcUsageStore.schemaSql(JdbcDialect.POSTGRESQL, "acme_");
    assertThat(parameters(sql, "FUNCTION acme_charge(")).isEqualTo(names(PostgresCharge.values()));
    assertThat(parameters(sql, "FUNCTION acme_charge_one(")).isEqualTo(names(ChargeOne.values()));
    assertThat(parameters(sql, "FUNCTION acme_settle(")).isEqualTo(names(Settle.values()));
    String answer = between(sql, "RETURNS TABLE (", ")");
    assertThat(Arrays.stream(answer.split(",")).map(c -> c.strip().split(" ")[0].toUpperCase(Locale.ROOT))
        .collect(Collectors.toList()))
        .isEqualTo(names(ChargeAnswer.values()));
  }

  @Test
  void mariaDbProceduresTakeTheNamedSlotsInOrderAndAnswerTheNamedColumns() {
    String sql = JdbcUsageStore.schemaSql(JdbcDialect.MARIADB, "acme_");
    assertThat(parameters(sql, "PROCEDURE acme_charge(")).isEqualTo(names(MariaDbCharge.values()));
    assertThat(parameters(sql, "PROCEDURE acme_charge_one(")).isEqualTo(names(ChargeOne.values()));
    assertThat(parameters(sql, "PROCEDURE acme_settle(")).isEqualTo(names(Settle.values()));
    Matcher answers = ANSWER.matcher(sql);
    int seen = 0;
    while (answers.find()) {
      List<String> columns = new ArrayList<>();
      for (String column : answers.group(1).split(",")) {
        columns.add(column.substring(column.lastIndexOf(" AS ") + 4).strip().toUpperCase(Locale.ROOT));
      }
      assertThat(columns).as(answers.group()).isEqualTo(names(ChargeAnswer.values()));
      seen++;
    }
    assertThat(seen).as("the charge procedure's answers").isGreaterThanOrEqualTo(3);
  }

  @Test
  void everyModeHasItsOwnCodeAsTheScriptsDescribeIt() {
    assertThat(ChargeMode.CHECK.code()).isZero();
    assertThat(ChargeMode.CHARGE.code()).isEqualTo(1);
    assertThat(ChargeMode.RESERVE.code()).isEqualTo(2);
    for (JdbcDialect dialect : List.of(JdbcDialect.POSTGRESQL, JdbcDialect.MARIADB)) {
      assertThat(JdbcUsageStore.schemaSql(dialect, "acme_")).contains("0 check, 1 charge, 2 reserve");
    }
  }

  @Test
  void anInvocationHasOnePlaceholderPerSlot() {
    assertThat(Protocol.invocation("acme_settle", Settle.class)).isEqualTo("acme_settle(?, ?, ?, ?, ?, ?, ?)");
    assertThat(Protocol.invocation("acme_charge", PostgresCharge.class).chars().filter(c -> c == '?').count())
        .isEqualTo(PostgresCharge.values().length);
  }

  /** The parameter names, without {@code p_} and upper-cased, of the routine whose header ends in {@code (}. */
  private static List<String> parameters(String sql, String header) {
    int start = sql.indexOf(header);
    assertThat(start).as(header).isNotNegative();
    int open = start + header.length();
    int depth = 1;
    int end = open;
    while (depth > 0) {
      char c = sql.charAt(end++);
      depth += c == '(' ? 1 : c == ')' ? -1 : 0;
    }
    List<String> names = new ArrayList<>();
    Matcher m = PARAMETER.matcher(sql.substring(open, end - 1).replace('\n', ' '));
    while (m.find()) {
      names.add(m.group(1).toUpperCase(Locale.ROOT));
    }
    return names;
  }

  private static String between(String sql, String from, String to) {
    int start = sql.indexOf(from);
    assertThat(start).as(from).isNotNegative();
    start += from.length();
    int end = sql.indexOf(to, start);
    return sql.substring(start, end < 0 ? sql.length() : end);
  }

  private static List<String> names(Enum<?>[] slots) {
    return Arrays.stream(slots).map(Enum::name).collect(Collectors.toList());
  }
}
