package dev.apibilling.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
        .hasMessage("cost rule must be '[METHOD] /pattern = credits [as OPERATION]' but was 'POST /x'");
    assertThatThrownBy(() -> CostRules.parse(1, "POST /x = -2"))
        .hasMessageContaining("credits must be > 0 but was -2").hasMessageContaining("'POST /x = -2'");
    assertThatThrownBy(() -> CostRules.parse(1, "GET POST /x = 2")).hasMessageContaining("'GET POST /x = 2'");
    assertThatThrownBy(() -> CostRules.of(-1)).hasMessageContaining("default credits must be >= 0");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a backtracking matcher never ends
  void hostileDoubleStarRuleOnLongPathsIsDecidedRight() {
    CostRules hostile = CostRules.parse(1, "/api/**/x/**/x/**/y = 5");
    String noMatch = "/api" + "/x".repeat(4_000) + "/z";
    String match = "/api" + "/x".repeat(4_000) + "/y";
    String almost = "/api/x" + "/y".repeat(4_000);

    assertThat(hostile.costOf("GET", noMatch)).isEqualTo(1);
    assertThat(hostile.costOf("GET", match)).isEqualTo(5);
    assertThat(hostile.costOf("GET", almost)).as("needs two x before a y").isEqualTo(1);
    assertThat(hostile.costOf("GET", "/api/a/x/b/x/c/y")).isEqualTo(5);
    assertThat(hostile.costOf("GET", "/api/x/x/y")).isEqualTo(5);
    assertThat(hostile.costOf("GET", "/api/x/y")).isEqualTo(1);
    CostRule globs = new CostRule("*", "/**/*a*b*/**/*a*b*/**/*c", 2);
    assertThat(globs.matches("GET", "/" + "a".repeat(8_000) + "/ab/c")).isFalse();
    assertThat(globs.matches("GET", "/ab" + "/xaxbx".repeat(1_000) + "/c")).isTrue();
  }

  @Test
  void matchingAgreesWithTheDefinitionOnRandomPatternsAndPaths() {
    Random random = new Random(11);
    String a30 = "a".repeat(30);
    // long globs too, so that the characters of a rule's globs fill more than one 64-bit word
    String[] patternSegments = {"**", "*", "a", "b", "a*", "*b", "*a*", "a*b", "ab", a30 + "*", "*" + "ab".repeat(20),
        "*" + a30 + "*b", "a*" + a30 + "*a"};
    String[] pathSegments = {"a", "b", "ab", "ba", "aab", "c", a30 + "a", "ab".repeat(20), a30 + "ab", "b" + a30 + "b"};
    for (int i = 0; i < 20_000; i++) {
      StringBuilder pattern = new StringBuilder();
      for (int n = random.nextInt(6); n >= 0; n--) {
        String segment = patternSegments[random.nextInt(patternSegments.length)];
        if (pattern.length() + 1 + segment.length() <= CostRule.MAX_PATTERN_LENGTH) {
          pattern.append('/').append(segment);
        }
      }
      String[] path = new String[random.nextInt(7)];
      for (int k = 0; k < path.length; k++) {
        path[k] = pathSegments[random.nextInt(pathSegments.length)];
      }
      CostRule rule = new CostRule("*", pattern.toString(), 1);
      assertThat(rule.matches("GET", "/" + String.join("/", path)))
          .as("%s against /%s", pattern, String.join("/", path))
          .isEqualTo(definition(CostRule.split(pattern.toString()), 0, path, 0));
    }
  }

  @Test
  void headCostsWhatGetCostsUnlessAHeadRuleSaysOtherwise() {
    CostRules costs = CostRules.parse(1, "GET /api/report = 5, * /api/free = 0, HEAD /api/cheap/** = 2,"
        + " GET /api/cheap/** = 7");

    assertThat(costs.costOf("HEAD", "/api/report")).isEqualTo(5);
    assertThat(costs.costOf("HEAD", "/api/free")).isZero();
    assertThat(costs.costOf("HEAD", "/api/cheap/x")).isEqualTo(2);
    assertThat(costs.costOf("GET", "/api/cheap/x")).isEqualTo(7);
    assertThat(costs.costOf("HEAD", "/api/other")).isEqualTo(1);
    assertThat(costs.costOf("POST", "/api/report")).isEqualTo(1);
    assertThat(CostRules.parse(1, "GET /r = 5, HEAD /r = 0").costOf("HEAD", "/r"))
        .as("a HEAD rule after the GET rule still wins").isZero();
  }

  /** The matching rule as first written: exponential on hostile input, so only for short paths. */
  private static boolean definition(String[] pattern, int p, String[] path, int s) {
    if (p == pattern.length) {
      return s == path.length;
    }
    if (pattern[p].equals("**")) {
      for (int k = s; k <= path.length; k++) {
        if (definition(pattern, p + 1, path, k)) {
          return true;
        }
      }
      return false;
    }
    return s < path.length && path[s].matches(pattern[p].replace("*", ".*")) && definition(pattern, p + 1, path, s + 1);
  }

  @Test
  void ruleNamesTheOperationItsRequestsAreChargedAs() {
    CostRules rules = CostRules.parse(1, "GET /api/report = 5 as report, POST /api/mail = 2");
    assertThat(rules.match("GET", "/api/report").operation()).isEqualTo("report");
    assertThat(rules.match("GET", "/api/report").toString()).isEqualTo("GET /api/report = 5 as report");
    assertThat(rules.match("POST", "/api/mail").operation()).isNull();
    assertThat(rules.match("GET", "/elsewhere").operation()).isNull();
    assertThatThrownBy(() -> CostRules.parse(1, "GET /x = 5 report"))
        .hasMessageContaining("[as OPERATION]").hasMessageContaining("'GET /x = 5 report'");
    assertThatThrownBy(() -> CostRules.parse(1, "GET /x = 5 as send/mail"))
        .hasMessageContaining("operation must be 1 to 64").hasMessageContaining("'GET /x = 5 as send/mail'");
  }

  @Test
  void routeMetadataIsCheckedOnceAsTheChargeWouldCheckIt() {
    CostRule plain = new CostRule("POST", "/api/reports/*", 5);
    assertThat(plain.routeMetadata()).isEqualTo(java.util.Map.of("route", "POST /api/reports/*"));
    assertThat(plain.routeMetadataValid()).isTrue();
    assertThat(new CostRule("*", "/" + "a".repeat(CostRule.MAX_PATTERN_LENGTH - 1), 1).routeMetadataValid())
        .as("the longest pattern and a method still fit a metadata value").isTrue();

    CostRule c1 = new CostRule("GET", "/a\u0085b", 1); // NEL: not a space, but a control character
    assertThat(c1.routeMetadataValid()).isFalse();
    assertThatThrownBy(() -> dev.apibilling.Requirements.metadata(c1.routeMetadata()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
