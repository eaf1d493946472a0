package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class CostRulesTest {

  final CostRules rules = CostRules.parse(1, """
      # reports are expensive
      POST /api/reports/* = 5
      GET /api/search/** = 2, /api/export/*.csv = 10
      * /health = 0
      """);

  @Test
  void firstMatchingRuleWinsElseTheDefault() {
    assertThat(rules.costOf("POST", "/api/reports/42")).isEqualTo(5);
    assertThat(rules.costOf("GET", "/api/reports/42")).isEqualTo(1);
    assertThat(rules.costOf("POST", "/api/reports/42/pages")).isEqualTo(1);
    assertThat(rules.costOf("POST", "/api/reports")).isEqualTo(1);
    assertThat(rules.costOf("GET", "/api/search")).isEqualTo(2);
    assertThat(rules.costOf("GET", "/api/search/a/b/c")).isEqualTo(2);
    assertThat(rules.costOf("DELETE", "/api/export/all.csv")).isEqualTo(10);
    assertThat(rules.costOf("GET", "/api/export/all.json")).isEqualTo(1);
    assertThat(rules.costOf("GET", "/health")).isZero();
    assertThat(rules.costOf("GET", "//api//reports/")).isEqualTo(1);
    assertThat(rules.match("POST", "/api/reports/1").toString()).isEqualTo("POST /api/reports/* = 5");
    assertThat(rules.rules()).hasSize(4);
  }

  @Test
  void doubleStarMatchesZeroOrMoreSegmentsInTheMiddle() {
    CostRule r = new CostRule("GET", "/a/**/z", 3);
    assertThat(r.matches("GET", "/a/z")).isTrue();
    assertThat(r.matches("GET", "/a/b/c/z")).isTrue();
    assertThat(r.matches("GET", "/a/b/c")).isFalse();
    assertThat(new CostRule("*", "/v*/items/*-draft", 1).matches("PUT", "/v2/items/x-draft")).isTrue();
  }

  @Test
  void malformedRulesAreRejectedQuotingTheEntry() {
    assertThatThrownBy(() -> CostRules.parse(1, "POST /x"))
        .hasMessage("cost rule must be '[METHOD] /pattern = credits' but was 'POST /x'");
    assertThatThrownBy(() -> CostRules.parse(1, "POST /x = -2"))
        .hasMessageContaining("credits must be > 0 but was -2").hasMessageContaining("'POST /x = -2'");
    assertThatThrownBy(() -> CostRules.parse(1, "GET POST /x = 2")).hasMessageContaining("'GET POST /x = 2'");
    assertThatThrownBy(() -> CostRules.of(-1)).hasMessageContaining("default credits must be >= 0");
  }
}
