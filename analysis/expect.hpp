#pragma once
// `checks.expect:` assertions, e.g. "convergence.time_s < 5" or
// "messages.sent <= 2 * events.processed and violations.ryw == 0".
//
// Grammar (loosest binding first; keywords are case-insensitive):
//   or:         and { ("or" | "||") and }
//   and:        not { ("and" | "&&") not }
//   not:        ("not" | "!") not | comparison
//   comparison: sum { ("<" | "<=" | ">" | ">=" | "==" | "!=") sum }
//   sum:        product { ("+" | "-") product }
//   product:    unary { ("*" | "/") unary }
//   unary:      ("-" | "+") unary | number | metric | "(" or ")"
// Numbers: 5, 0.5, .5, 1e3, 2.5E-3 (no unit suffix: a metric's unit is in its
// name, e.g. time_s is seconds). Metric names: a letter or '_' first, then
// letters, digits, '_' and '.' (staleness.t_visibility_p99_s).
// Comparisons chain as in Python: "1 <= x < 5" means "1 <= x and x < 5".
// The whole expression, and each operand of and/or/not, must be a condition
// (a comparison), so "lost_writes" alone is rejected rather than read as C's
// "lost_writes != 0".
//
// NaN means "not available" (a run that never converged has
// convergence.time_s = NaN). A comparison involving NaN is neither true nor
// false but unknown, and unknown propagates through not/and/or (Kleene logic:
// "false and unknown" is false, "true or unknown" is true). An assertion
// passes only when it is true, so "not (convergence.time_s > 5)" fails on a
// run that never converged instead of passing by accident; with plain IEEE
// rules it would pass. Numbers are doubles compared exactly (counts are exact
// up to 2^53).
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/metrics.hpp"
#include "sim/scenario.hpp"

namespace ecsim {


class ExpectSyntaxError : public std::runtime_error {
 public:
  ExpectSyntaxError(const std::string& message, std::size_t column_offset)
      : std::runtime_error(message), column(column_offset) {}
  // 0-based byte offset into the expression text where the problem is;
  // equal to the text's length when something is missing at the end.
  std::size_t column;
};

// The text followed by a second line with a caret under `error.column`, for
// error messages:   convergence.time_s = 5
//                                      ^
std::string caret_diagnostic(std::string_view text, const ExpectSyntaxError& error);

struct ExpectResult {
  bool passed = false;
  // Failed as unknown rather than false: a value it needs is not available
  // (NaN). `ecsim explore` keeps the two apart when it shrinks a failure.
  bool unknown = false;
  // Passed: the referenced metrics' values ("convergence.time_s = 3.1").
  // Failed: why, with values ("convergence.time_s = 7.2, expected < 5").
  std::string detail;
};

class Expression {
 public:
  // Throws ExpectSyntaxError.
  static Expression parse(std::string_view text);

  const std::string& text() const { return text_; }
  // Metric names referenced, each once, in order of first appearance.
  std::vector<std::string> metrics() const;
  // A metric missing from `metrics` fails the assertion, with a did-you-mean
  // drawn from the map's keys: a typo must not pass silently, even inside an
  // "or" whose other side is true.
  ExpectResult evaluate(const MetricMap& metrics) const;

 private:
  friend class ExpectParser;     // builds nodes_
  friend class ExpectEvaluator;  // walks nodes_
  Expression() = default;

  enum class Op : unsigned char {
    number, metric, negate, add, subtract, multiply, divide,
    less, less_equal, greater, greater_equal, equal, not_equal,
    logical_and, logical_or, logical_not,
  };
  struct Node {
    Op op = Op::number;
    double number = 0.0;    // Op::number
    std::string metric;     // Op::metric
    int lhs = -1;           // operand indices into nodes_ (negate and not use lhs only)
    int rhs = -1;
    std::size_t begin = 0;  // source span [begin, end) in text_
    std::size_t end = 0;
  };

  std::string text_;
  std::vector<Node> nodes_;  // a DAG: chained comparisons share their middle operand
  int root_ = -1;
};

struct ExpectOutcome {
  std::string text;  // the assertion as written
  SourcePos pos;     // where it is in the scenario file
  bool passed = false;
  bool unknown = false;  // see ExpectResult
  std::string detail;  // see ExpectResult; for a syntax error, the message and column
};

// Parses and evaluates each assertion; a syntax error is a failed outcome
// rather than an exception so that one bad line does not hide the others.
// (The loader should still parse them up front to reject a bad file early.)
std::vector<ExpectOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                 const MetricMap& metrics);

bool all_passed(const std::vector<ExpectOutcome>& outcomes);

// One line per assertion, then a total, e.g.
//   PASS  convergence.time_s < 5   convergence.time_s = 3.1
//   FAIL  violations.ryw == 0      violations.ryw = 4, expected == 0  (gossip.yaml:31:7)
//   expect: 1 of 2 assertions failed
// `source_file` (may be empty) prefixes the line:column of failed assertions.
// Returns "" when there are no assertions.
std::string format_expect_report(const std::vector<ExpectOutcome>& outcomes,
                                 std::string_view source_file = {});

}  // namespace ecsim
