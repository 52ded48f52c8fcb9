// expect: assertions — parsing, precedence, NaN, diagnostics.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "analysis/expect.hpp"

using ecsim::Expectation;
using ecsim::ExpectSyntaxError;
using ecsim::Expression;
using ecsim::MetricMap;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool passes(const std::string& text, const MetricMap& metrics = {}) {
  return Expression::parse(text).evaluate(metrics).passed;
}

std::string detail(const std::string& text, const MetricMap& metrics) {
  return Expression::parse(text).evaluate(metrics).detail;
}

// Column and message of the syntax error `text` must raise.
ExpectSyntaxError syntax_error(const std::string& text) {
  try {
    (void)Expression::parse(text);
  } catch (const ExpectSyntaxError& e) {
    return e;
  }
  FAIL("no syntax error for: " << text);
  return ExpectSyntaxError("", 0);
}

}  // namespace

TEST_CASE("expect: each comparison operator, true and false", "[expect]") {
  const MetricMap m{{"x", 3}};
  CHECK(passes("x < 4", m));
  CHECK_FALSE(passes("x < 3", m));
  CHECK(passes("x <= 3", m));
  CHECK_FALSE(passes("x <= 2.5", m));
  CHECK(passes("x > 2", m));
  CHECK_FALSE(passes("x > 3", m));
  CHECK(passes("x >= 3", m));
  CHECK_FALSE(passes("x >= 3.5", m));
  CHECK(passes("x == 3", m));
  CHECK_FALSE(passes("x == 4", m));
  CHECK(passes("x != 4", m));
  CHECK_FALSE(passes("x != 3", m));
}

TEST_CASE("expect: logical operators, words and symbols", "[expect]") {
  const MetricMap m{{"a", 1}, {"b", 2}};
  CHECK(passes("a == 1 and b == 2", m));
  CHECK_FALSE(passes("a == 1 and b == 3", m));
  CHECK(passes("a == 1 && b == 2", m));
  CHECK_FALSE(passes("a == 0 && b == 2", m));
  CHECK(passes("a == 0 or b == 2", m));
  CHECK_FALSE(passes("a == 0 or b == 3", m));
  CHECK(passes("a == 0 || b == 2", m));
  CHECK_FALSE(passes("a == 0 || b == 0", m));
  CHECK(passes("not a == 0", m));
  CHECK_FALSE(passes("not a == 1", m));
  CHECK(passes("!(a == 0)", m));
  CHECK_FALSE(passes("!(a == 1)", m));
  CHECK(passes("NOT a == 0 AND b == 2", m));  // keywords are case-insensitive
}

TEST_CASE("expect: arithmetic precedence and associativity", "[expect]") {
  CHECK(passes("1 + 2 * 3 == 7"));
  CHECK(passes("(1 + 2) * 3 == 9"));
  CHECK(passes("10 - 4 - 3 == 3"));  // left-associative
  CHECK(passes("8 / 4 / 2 == 1"));
  CHECK(passes("-2 * 3 == -6"));
  CHECK(passes("- -2 == 2"));
  CHECK(passes("+2 == 2"));
  CHECK(passes("2 - -1 == 3"));
  CHECK(passes("1e3 == 1000 and 0.5 == .5 and 2.5E-3 == 0.0025"));
  const MetricMap m{{"messages.sent", 300}, {"events.processed", 200}};
  CHECK(passes("messages.sent <= 2 * events.processed", m));
  CHECK_FALSE(passes("messages.sent <= events.processed + 50", m));
  CHECK(passes("messages.sent / events.processed == 1.5", m));
}

TEST_CASE("expect: logical precedence is not > and > or", "[expect]") {
  // "T or T and F" is T (and binds tighter); "(T or T) and F" would be F.
  CHECK(passes("1 == 1 or 1 == 1 and 1 == 0"));
  CHECK_FALSE(passes("(1 == 1 or 1 == 1) and 1 == 0"));
  // "not F and F" is "(not F) and F" = F; "not (F and F)" = T.
  CHECK_FALSE(passes("not 1 == 0 and 1 == 0"));
  CHECK(passes("not (1 == 0 and 1 == 0)"));
  // Comparisons bind tighter than not: "not 1 < 0" is "not (1 < 0)".
  CHECK(passes("not 1 < 0"));
}

TEST_CASE("expect: chained comparisons read as in Python", "[expect]") {
  const MetricMap m{{"x", 3}};
  CHECK(passes("1 <= x < 5", m));
  CHECK_FALSE(passes("1 <= x < 3", m));
  CHECK_FALSE(passes("4 <= x < 5", m));
}

TEST_CASE("expect: NaN (not available) never makes an assertion pass", "[expect]") {
  const MetricMap m{{"convergence.time_s", kNaN}, {"lost_writes", 0}};
  CHECK_FALSE(passes("convergence.time_s < 5", m));
  CHECK_FALSE(passes("convergence.time_s >= 5", m));
  CHECK_FALSE(passes("convergence.time_s == convergence.time_s", m));
  CHECK_FALSE(passes("convergence.time_s != 5", m));
  // Unknown stays unknown under not, unlike IEEE (where !(NaN > 5) is true).
  CHECK_FALSE(passes("not convergence.time_s > 5", m));
  CHECK_FALSE(passes("lost_writes == 0 and convergence.time_s < 10", m));
  // ... but a true side of an "or" decides, and a false side of an "and".
  CHECK(passes("lost_writes == 0 or convergence.time_s < 10", m));
  CHECK(passes("not (lost_writes == 1 and convergence.time_s < 10)", m));
  // 0/0 is NaN as well.
  CHECK_FALSE(passes("lost_writes / lost_writes < 1", m));

  const std::string d = detail("convergence.time_s < 5", m);
  CHECK(d == "convergence.time_s is NaN (not available), expected < 5");
}

TEST_CASE("expect: failure details show the values", "[expect]") {
  const MetricMap m{{"convergence.time_s", 7.2},
                    {"violations.ryw", 4},
                    {"messages.sent", 1200},
                    {"events.processed", 200},
                    {"lost_writes", 0}};
  CHECK(detail("convergence.time_s < 5", m) == "convergence.time_s = 7.2, expected < 5");
  // The metric side comes first: "5 > x" is reported like "x < 5".
  CHECK(detail("5 > convergence.time_s", m) == "convergence.time_s = 7.2, expected < 5");
  CHECK(detail("messages.sent <= 2 * events.processed", m) ==
        "messages.sent = 1200, expected <= 2 * events.processed = 400 (events.processed = 200)");
  // Only the failing side of an "and" is explained.
  CHECK(detail("lost_writes == 0 and violations.ryw == 0", m) == "violations.ryw = 4, expected == 0");
  CHECK(detail("violations.ryw == 0 or convergence.time_s < 5", m) ==
        "violations.ryw = 4, expected == 0; convergence.time_s = 7.2, expected < 5");
  CHECK(detail("not violations.ryw > 0", m) == "expected not (violations.ryw > 0), but violations.ryw = 4");
  // A pass lists the values too.
  const auto pass = Expression::parse("lost_writes == 0 and convergence.time_s < 10").evaluate(m);
  CHECK(pass.passed);
  CHECK(pass.detail == "lost_writes = 0, convergence.time_s = 7.2");
}

TEST_CASE("expect: unknown metric fails with a did-you-mean", "[expect]") {
  const MetricMap m{{"convergence.time_s", 1}, {"lost_writes", 0}};
  const auto r = Expression::parse("convergence.tme_s < 5").evaluate(m);
  CHECK_FALSE(r.passed);
  CHECK(r.detail == "unknown metric 'convergence.tme_s' (did you mean 'convergence.time_s'?)");
  // Even where the other side of an "or" would decide: a typo must not pass.
  CHECK_FALSE(passes("lost_writes == 0 or lost_write == 0", m));
}

TEST_CASE("expect: metrics() lists each name once in source order", "[expect]") {
  const auto e = Expression::parse("b < 1 and a < 2 or b > staleness.t_visibility_p99_s");
  CHECK(e.metrics() == std::vector<std::string>{"b", "a", "staleness.t_visibility_p99_s"});
  CHECK(e.text() == "b < 1 and a < 2 or b > staleness.t_visibility_p99_s");
}

TEST_CASE("expect: syntax errors point at the right column", "[expect]") {
  struct Case {
    const char* text;
    std::size_t column;
    const char* message_part;
  };
  const Case cases[] = {
      {"convergence.time_s", 18, "expected a comparison operator after 'convergence.time_s'"},
      {"lost_writes and x < 1", 12, "expected a comparison operator after 'lost_writes', found 'and'"},
      {"x < 1 and y", 11, "expected a comparison operator after 'y'"},
      {"x 5", 2, "expected a comparison operator after 'x', found '5'"},
      {"x < 5 y", 6, "unexpected 'y' after 'x < 5'"},
      {"x = 5", 2, "use '=='"},
      {"x =< 5", 2, "use '<='"},
      {"x <> 5", 2, "use '!='"},
      {"x < 5 & y < 1", 6, "use 'and'"},
      {"x < 5 | y < 1", 6, "use 'or'"},
      {"x <", 3, "expected a number, metric name or '(' after '<', found the end of the expression"},
      {"x < * 3", 4, "after '<', found '*'"},
      {"", 0, "empty expression"},
      {"   ", 0, "empty expression"},
      {"(x < 5", 6, "missing ')' to close the '(' at column 0"},
      {"x < 5)", 5, "unmatched ')'"},
      {"x < 5s", 5, "no unit suffix"},
      {"x < 1.2.3", 4, "malformed number '1.2.3'"},
      {"x. < 1", 0, "malformed metric name 'x.'"},
      {"x < 5 % 2", 6, "unexpected character '%'"},
      {"(x < 1) + 2 < 3", 1, "'+' needs a number on its left, but 'x < 1' is a condition"},
      {"x < (y < 1)", 5, "'<' needs a number on its right"},
      {"not x", 5, "expected a comparison operator after 'x'"},
  };
  for (const Case& c : cases) {
    INFO("expression: \"" << c.text << "\"");
    const ExpectSyntaxError e = syntax_error(c.text);
    INFO("message: " << e.what());
    CHECK(e.column == c.column);
    CHECK(std::string(e.what()).find(c.message_part) != std::string::npos);
  }
}

// Fuzzing found `ecsim validate` crashing (stack overflow) on 100,000 unary
// operators in a row; they now count towards the nesting limit with parentheses.
TEST_CASE("expect: long chains of binary operators are refused past 1000 operators", "[expect]") {
  // Found running a fuzzed scenario: 100,000 chained comparisons took 44 s to
  // evaluate and then overflowed the stack.
  const auto chain = [](const std::string& op, int operators) {
    std::string out = "1";
    for (int i = 0; i < operators; ++i) out += op + "1";
    return out;
  };
  // "1 < 1 < ... < 1" with n comparisons is n comparisons and n - 1 'and's.
  CHECK_FALSE(passes(chain(" < ", 500)));  // 999 operators: parses, and 1 < 1 is false
  CHECK(passes(chain(" <= ", 500)));
  const ExpectSyntaxError c = syntax_error(chain(" < ", 100'000));
  CHECK(std::string(c.what()) == "assertion too long: more than 1000 binary operators (split it into several assertions)");
  CHECK(passes(chain(" + ", 999) + " == 1000"));  // 1000 operators
  const ExpectSyntaxError s = syntax_error(chain(" + ", 1000) + " == 1001");
  CHECK(s.column == 1 + 1000 * 4 + 4);  // 0-based: at "1001", the right operand of the 1001st operator ("==")
}

TEST_CASE("expect: long chains of unary operators are refused, not a stack overflow", "[expect]") {
  const auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  const struct {
    std::string unary;
    std::string operand;
    std::string message;
    std::size_t levels;  // per repetition of `unary`
  } cases[] = {
      {"not ", "1 < 2", "unary 'not' nested too deeply", 1},
      {"!", "1 < 2", "unary '!' nested too deeply", 1},
      {"-", "1 < 2", "unary '-' nested too deeply", 1},
      {"+", "1 < 2", "unary '+' nested too deeply", 1},
      {"- ", "1 < 2", "unary '-' nested too deeply", 1},
      {"(-", "1 < 2", "parentheses nested too deeply", 2},  // level 101 is the 51st '('
      {"not (", "1 < 2", "unary 'not' nested too deeply", 2},  // level 101 is the 51st 'not'
  };
  for (const auto& c : cases) {
    INFO("unary: '" << c.unary << "'");
    const std::string text = repeat(c.unary, 100'000) + c.operand;
    const ExpectSyntaxError e = syntax_error(text);
    CHECK(std::string(e.what()).find(c.message) != std::string::npos);
    CHECK(e.column == 100 / c.levels * c.unary.size());  // at the 101st level
  }
  // Up to the limit (100 levels), unary chains still parse and evaluate.
  CHECK(passes(repeat("not ", 100) + "1 < 2"));
  CHECK_FALSE(passes(repeat("not ", 99) + "1 < 2"));
  CHECK(passes(repeat("-", 100) + "1 < 2"));
  CHECK(passes(repeat("-", 99) + "1 < 0"));
  CHECK(passes(repeat("not ", 50) + repeat("(", 50) + "1 < 2" + repeat(")", 50)));
  CHECK(std::string(syntax_error(repeat("not ", 101) + "1 < 2").what()) ==
        "unary 'not' nested too deeply: more than 100 levels of unary operators and parentheses");
  CHECK(std::string(syntax_error(repeat("not ", 50) + repeat("(", 51) + "1 < 2" + repeat(")", 51)).what()) ==
        "parentheses nested too deeply");
}

TEST_CASE("expect: caret diagnostic", "[expect]") {
  const std::string text = "x = 5";
  CHECK(ecsim::caret_diagnostic(text, syntax_error(text)) == "x = 5\n  ^");
}

TEST_CASE("expect: evaluate_expectations and the report", "[expect]") {
  const MetricMap m{{"convergence.time_s", 3.1}, {"violations.ryw", 4}};
  std::vector<Expectation> expectations(3);
  expectations[0].text = "convergence.time_s < 5";
  expectations[0].pos = {30, 7};
  expectations[1].text = "violations.ryw == 0";
  expectations[1].pos = {31, 7};
  expectations[2].text = "violations.ryw = 0";
  expectations[2].pos = {32, 7};
  const auto outcomes = ecsim::evaluate_expectations(expectations, m);
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].passed);
  CHECK_FALSE(outcomes[1].passed);
  CHECK_FALSE(outcomes[2].passed);
  CHECK(outcomes[2].detail.find("syntax error at column 15") != std::string::npos);
  CHECK_FALSE(ecsim::all_passed(outcomes));
  CHECK(ecsim::all_passed({outcomes[0]}));

  const std::string report = ecsim::format_expect_report(outcomes, "gossip.yaml");
  CHECK(report ==
        "PASS  convergence.time_s < 5  convergence.time_s = 3.1\n"
        "FAIL  violations.ryw == 0     violations.ryw = 4, expected == 0  (gossip.yaml:31:7)\n"
        "FAIL  violations.ryw = 0      syntax error at column 15: '=' is not a comparison; use '==' to test "
        "equality  (gossip.yaml:32:7)\n"
        "expect: 2 of 3 assertions failed\n");
  CHECK(ecsim::format_expect_report({outcomes[0]}) ==
        "PASS  convergence.time_s < 5  convergence.time_s = 3.1\nexpect: all 1 assertion passed\n");
  CHECK(ecsim::format_expect_report({}).empty());
}
