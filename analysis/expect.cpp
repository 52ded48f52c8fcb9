#include "analysis/expect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

#include "sim/did_you_mean.hpp"
#include "sim/strings.hpp"

namespace ecsim {

namespace {

enum class TokenKind {
  number, identifier, lparen, rparen, plus, minus, star, slash,
  less, less_equal, greater, greater_equal, equal, not_equal,
  kw_and, kw_or, kw_not, end,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::size_t begin = 0;
  std::size_t end = 0;
  double number = 0.0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '.'; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

bool is_comparison_token(TokenKind k) {
  return k == TokenKind::less || k == TokenKind::less_equal || k == TokenKind::greater ||
         k == TokenKind::greater_equal || k == TokenKind::equal || k == TokenKind::not_equal;
}

std::string format_number(double v) { return fmt::format("{}", v); }

// Nesting beyond this is certainly a mistake; the limit keeps the recursive
// descent from exhausting the stack on hostile input. It counts parentheses
// and unary operators ('not', '!', '-', '+') together: each level is one
// recursion, so "not not ... 1" or "----1" (100,000 of them, found by
// fuzzing) are refused like "((((1))))" rather than overflowing the stack.
constexpr int kMaxNestingDepth = 100;
// Binary operators per assertion. Chains ("a + b + ...", "a < b < ...") are
// parsed by loops but evaluated and explained recursively, one level per
// operator: 100,000 chained comparisons took 44 s and then overflowed the
// stack. Real assertions have a handful.
constexpr int kMaxBinaryOperators = 1000;

}  // namespace

std::string caret_diagnostic(std::string_view text, const ExpectSyntaxError& error) {
  const std::size_t column = std::min(error.column, text.size());
  std::string out(text);
  out += '\n';
  // Tabs are copied so the caret lines up under the same character.
  for (std::size_t i = 0; i < column; ++i) out += text[i] == '\t' ? '\t' : ' ';
  out += '^';
  return out;
}

// Recursive-descent parser with one token of lookahead, lexing on demand so
// that the first error in the text is the one reported.
class ExpectParser {
 public:
  explicit ExpectParser(std::string_view text) : text_(text) { expression_.text_ = std::string(text); }

  Expression parse() {
    advance();
    if (current_.kind == TokenKind::end) throw ExpectSyntaxError("empty expression", 0);
    const int root = parse_or();
    if (current_.kind == TokenKind::rparen)
      throw ExpectSyntaxError("unmatched ')'", current_.begin);
    if (current_.kind != TokenKind::end) {
      require_condition(root);
      throw ExpectSyntaxError(fmt::format("unexpected {} after '{}'; expected 'and', 'or' or the end "
                                          "of the expression",
                                          describe(current_), span_text(root)),
                              current_.begin);
    }
    require_condition(root);
    expression_.root_ = root;
    return std::move(expression_);
  }

 private:
  using Op = Expression::Op;

  int parse_or() {
    int left = parse_and();
    while (current_.kind == TokenKind::kw_or) {
      require_condition(left);
      advance();
      const int right = parse_and();
      require_condition(right);
      left = add_binary(Op::logical_or, left, right);
    }
    return left;
  }

  int parse_and() {
    int left = parse_not();
    while (current_.kind == TokenKind::kw_and) {
      require_condition(left);
      advance();
      const int right = parse_not();
      require_condition(right);
      left = add_binary(Op::logical_and, left, right);
    }
    return left;
  }

  int parse_not() {
    if (current_.kind != TokenKind::kw_not) return parse_comparison();
    const Token not_token = current_;
    enter_unary(not_token);
    advance();
    const int operand = parse_not();
    --depth_;
    require_condition(operand);
    return add_node(Op::logical_not, operand, -1, not_token.begin, node(operand).end);
  }

  // "a < b < c" becomes "a < b and b < c" (b is shared, not re-parsed).
  int parse_comparison() {
    int left = parse_sum();
    int chain = -1;
    while (is_comparison_token(current_.kind)) {
      const Token op_token = current_;
      require_number(left, op_token, "left");
      advance();
      const int right = parse_sum();
      require_number(right, op_token, "right");
      const int comparison = add_binary(comparison_op(op_token.kind), left, right);
      chain = chain < 0 ? comparison : add_binary(Op::logical_and, chain, comparison);
      left = right;
    }
    return chain < 0 ? left : chain;
  }

  int parse_sum() {
    int left = parse_product();
    while (current_.kind == TokenKind::plus || current_.kind == TokenKind::minus) {
      const Token op_token = current_;
      require_number(left, op_token, "left");
      advance();
      const int right = parse_product();
      require_number(right, op_token, "right");
      left = add_binary(op_token.kind == TokenKind::plus ? Op::add : Op::subtract, left, right);
    }
    return left;
  }

  int parse_product() {
    int left = parse_unary();
    while (current_.kind == TokenKind::star || current_.kind == TokenKind::slash) {
      const Token op_token = current_;
      require_number(left, op_token, "left");
      advance();
      const int right = parse_unary();
      require_number(right, op_token, "right");
      left = add_binary(op_token.kind == TokenKind::star ? Op::multiply : Op::divide, left, right);
    }
    return left;
  }

  // One more level of unary nesting (the operator is `token`), within kMaxNestingDepth.
  void enter_unary(const Token& token) {
    if (++depth_ > kMaxNestingDepth)
      throw ExpectSyntaxError(fmt::format("unary '{}' nested too deeply: more than {} levels of unary operators "
                                          "and parentheses",
                                          token_text(token), kMaxNestingDepth),
                              token.begin);
  }

  int parse_unary() {
    const Token token = current_;
    switch (token.kind) {
      case TokenKind::minus:
      case TokenKind::plus: {
        enter_unary(token);
        advance();
        const int operand = parse_unary();
        --depth_;
        require_number(operand, token, "right");
        if (token.kind == TokenKind::plus) return operand;
        return add_node(Op::negate, operand, -1, token.begin, node(operand).end);
      }
      case TokenKind::number: {
        advance();
        const int n = add_node(Op::number, -1, -1, token.begin, token.end);
        expression_.nodes_[static_cast<std::size_t>(n)].number = token.number;
        return n;
      }
      case TokenKind::identifier: {
        advance();
        const int n = add_node(Op::metric, -1, -1, token.begin, token.end);
        expression_.nodes_[static_cast<std::size_t>(n)].metric = token_text(token);
        return n;
      }
      case TokenKind::lparen: {
        if (++depth_ > kMaxNestingDepth)
          throw ExpectSyntaxError("parentheses nested too deeply", token.begin);
        advance();
        const int inner = parse_or();
        if (current_.kind != TokenKind::rparen)
          throw ExpectSyntaxError(fmt::format("missing ')' to close the '(' at column {}, found {}",
                                              token.begin, describe(current_)),
                                  current_.begin);
        advance();
        --depth_;
        return inner;
      }
      default:
        throw ExpectSyntaxError(
            fmt::format("expected a number, metric name or '(' {}, found {}",
                        previous_ ? fmt::format("after '{}'", token_text(*previous_)) : "at the start",
                        describe(token)),
            token.begin);
    }
  }

  // --- type checks: conditions (true/false) versus numbers ---

  // Op lists the comparisons and logical operators last.
  static bool is_condition_op(Op op) { return op >= Op::less; }

  bool is_condition(int n) const { return is_condition_op(node(n).op); }

  // A number where a condition belongs almost always means a forgotten
  // comparison ("lost_writes and ..."), so say exactly that.
  void require_condition(int n) const {
    if (is_condition(n)) return;
    std::string message = fmt::format("expected a comparison operator after '{}'", span_text(n));
    if (current_.kind != TokenKind::end) message += fmt::format(", found {}", describe(current_));
    message += " (one of < <= > >= == !=)";
    throw ExpectSyntaxError(message, current_.begin);
  }

  void require_number(int n, const Token& op_token, std::string_view side) const {
    if (!is_condition(n)) return;
    throw ExpectSyntaxError(fmt::format("'{}' needs a number on its {}, but '{}' is a condition "
                                        "(true or false)",
                                        token_text(op_token), side, span_text(n)),
                            node(n).begin);
  }

  // --- lexer ---

  void advance() {
    if (started_) previous_ = current_;
    started_ = true;
    current_ = lex();
  }

  Token lex() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r'))
      ++pos_;
    Token t;
    t.begin = pos_;
    if (pos_ >= text_.size()) {
      t.kind = TokenKind::end;
      t.end = pos_;
      return t;
    }
    const char c = text_[pos_];
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    if (is_digit(c) || (c == '.' && is_digit(next))) return lex_number();
    if (is_alpha(c)) return lex_name();
    auto single = [&](TokenKind k) {
      t.kind = k;
      t.end = ++pos_;
      return t;
    };
    auto pair = [&](TokenKind k) {
      t.kind = k;
      pos_ += 2;
      t.end = pos_;
      return t;
    };
    switch (c) {
      case '(': return single(TokenKind::lparen);
      case ')': return single(TokenKind::rparen);
      case '+': return single(TokenKind::plus);
      case '-': return single(TokenKind::minus);
      case '*': return single(TokenKind::star);
      case '/': return single(TokenKind::slash);
      case '<':
        if (next == '=') return pair(TokenKind::less_equal);
        if (next == '>') throw ExpectSyntaxError("'<>' is not an operator; use '!=' for 'not equal'", pos_);
        return single(TokenKind::less);
      case '>':
        if (next == '=') return pair(TokenKind::greater_equal);
        return single(TokenKind::greater);
      case '=':
        if (next == '=') return pair(TokenKind::equal);
        if (next == '<') throw ExpectSyntaxError("'=<' is not an operator; use '<='", pos_);
        if (next == '>') throw ExpectSyntaxError("'=>' is not an operator; use '>='", pos_);
        throw ExpectSyntaxError("'=' is not a comparison; use '==' to test equality", pos_);
      case '!':
        if (next == '=') return pair(TokenKind::not_equal);
        return single(TokenKind::kw_not);
      case '&':
        if (next == '&') return pair(TokenKind::kw_and);
        throw ExpectSyntaxError("'&' is not an operator; use 'and' (or '&&')", pos_);
      case '|':
        if (next == '|') return pair(TokenKind::kw_or);
        throw ExpectSyntaxError("'|' is not an operator; use 'or' (or '||')", pos_);
      default:
        break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f)
      throw ExpectSyntaxError(fmt::format("unexpected character '{}'", c), pos_);
    throw ExpectSyntaxError(fmt::format("unexpected byte 0x{:02X} (only ASCII is allowed)", byte), pos_);
  }

  Token lex_number() {
    Token t;
    t.kind = TokenKind::number;
    t.begin = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t exponent = pos_ + 1;
      if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-')) ++exponent;
      if (exponent < text_.size() && is_digit(text_[exponent])) {
        pos_ = exponent;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      }
    }
    t.end = pos_;
    if (pos_ < text_.size() && is_name_char(text_[pos_])) {
      std::size_t rest = pos_;
      while (rest < text_.size() && is_name_char(text_[rest])) ++rest;
      const std::string word(text_.substr(t.begin, rest - t.begin));
      if (is_alpha(text_[pos_]))
        throw ExpectSyntaxError(fmt::format("'{}': a number takes no unit suffix (a metric's unit is "
                                            "part of its name, e.g. time_s is in seconds)",
                                            word),
                                pos_);
      throw ExpectSyntaxError(fmt::format("malformed number '{}'", word), t.begin);
    }
    const char* first = text_.data() + t.begin;
    const char* last = text_.data() + t.end;
    const auto [ptr, ec] = std::from_chars(first, last, t.number);
    if (ec == std::errc::result_out_of_range)
      throw ExpectSyntaxError(fmt::format("number '{}' is out of range", token_text(t)), t.begin);
    if (ec != std::errc{} || ptr != last)
      throw ExpectSyntaxError(fmt::format("malformed number '{}'", token_text(t)), t.begin);
    return t;
  }

  Token lex_name() {
    Token t;
    t.begin = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    t.end = pos_;
    const std::string_view word = text_.substr(t.begin, t.end - t.begin);
    if (word.back() == '.' || word.find("..") != std::string_view::npos)
      throw ExpectSyntaxError(fmt::format("malformed metric name '{}'", word), t.begin);
    if (equals_ignoring_case(word, "and")) t.kind = TokenKind::kw_and;
    else if (equals_ignoring_case(word, "or")) t.kind = TokenKind::kw_or;
    else if (equals_ignoring_case(word, "not")) t.kind = TokenKind::kw_not;
    else t.kind = TokenKind::identifier;
    return t;
  }

  // --- helpers ---

  static Op comparison_op(TokenKind k) {
    switch (k) {
      case TokenKind::less: return Op::less;
      case TokenKind::less_equal: return Op::less_equal;
      case TokenKind::greater: return Op::greater;
      case TokenKind::greater_equal: return Op::greater_equal;
      case TokenKind::equal: return Op::equal;
      default: return Op::not_equal;
    }
  }

  int add_node(Op op, int lhs, int rhs, std::size_t begin, std::size_t end) {
    Expression::Node n;
    n.op = op;
    n.lhs = lhs;
    n.rhs = rhs;
    n.begin = begin;
    n.end = end;
    expression_.nodes_.push_back(std::move(n));
    return static_cast<int>(expression_.nodes_.size() - 1);
  }

  int add_binary(Op op, int lhs, int rhs) {
    if (++binary_operators_ > kMaxBinaryOperators)
      throw ExpectSyntaxError(fmt::format("assertion too long: more than {} binary operators (split it into several "
                                          "assertions)", kMaxBinaryOperators),
                              node(rhs).begin);
    return add_node(op, lhs, rhs, node(lhs).begin, node(rhs).end);
  }

  const Expression::Node& node(int n) const { return expression_.nodes_[static_cast<std::size_t>(n)]; }

  std::string token_text(const Token& t) const { return std::string(text_.substr(t.begin, t.end - t.begin)); }

  std::string span_text(int n) const {
    return std::string(text_.substr(node(n).begin, node(n).end - node(n).begin));
  }

  std::string describe(const Token& t) const {
    return t.kind == TokenKind::end ? std::string("the end of the expression")
                                    : fmt::format("'{}'", token_text(t));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  Token current_;
  std::optional<Token> previous_;  // for "after '<'" in messages
  bool started_ = false;
  int depth_ = 0;
  int binary_operators_ = 0;
  Expression expression_;
};

Expression Expression::parse(std::string_view text) { return ExpectParser(text).parse(); }

std::vector<std::string> Expression::metrics() const {
  // Nodes are stored in parse order, which is left-to-right source order for leaves.
  std::vector<std::string> names;
  for (const Node& n : nodes_)
    if (n.op == Op::metric && std::find(names.begin(), names.end(), n.metric) == names.end())
      names.push_back(n.metric);
  return names;
}

namespace {
// Three-valued truth: a comparison with NaN ("not available") is unknown.
enum class Truth { no, yes, unknown };
}  // namespace

class ExpectEvaluator {
 public:
  ExpectEvaluator(const Expression& expression, const MetricMap& metrics)
      : e_(expression), metrics_(metrics) {}

  ExpectResult evaluate() const {
    ExpectResult result;
    std::vector<std::string> problems;
    std::vector<std::string> known;
    for (const auto& [name, value] : metrics_) known.push_back(name);
    for (const std::string& name : e_.metrics())
      if (metrics_.find(name) == metrics_.end())
        problems.push_back(fmt::format("unknown metric '{}'{}", name, did_you_mean(name, known)));
    if (!problems.empty()) {
      result.detail = join(problems, "; ");
      return result;
    }
    const Truth t = truth(e_.root_);
    if (t == Truth::yes) {
      result.passed = true;
      result.detail = metric_values(e_.root_);
      return result;
    }
    result.unknown = t == Truth::unknown;
    explain_failure(e_.root_, problems);
    result.detail = join(problems, "; ");
    return result;
  }

 private:
  using Op = Expression::Op;
  using Node = Expression::Node;

  const Node& node(int n) const { return e_.nodes_[static_cast<std::size_t>(n)]; }

  double value(int n) const {
    const Node& x = node(n);
    switch (x.op) {
      case Op::number: return x.number;
      case Op::metric: return metrics_.at(x.metric);
      case Op::negate: return -value(x.lhs);
      case Op::add: return value(x.lhs) + value(x.rhs);
      case Op::subtract: return value(x.lhs) - value(x.rhs);
      case Op::multiply: return value(x.lhs) * value(x.rhs);
      case Op::divide: return value(x.lhs) / value(x.rhs);  // IEEE: x/0 is ±inf, 0/0 is NaN
      default: return std::nan("");  // unreachable: the parser type-checks operands
    }
  }

  Truth truth(int n) const {
    const Node& x = node(n);
    switch (x.op) {
      case Op::logical_not: {
        const Truth t = truth(x.lhs);
        return t == Truth::unknown ? t : (t == Truth::yes ? Truth::no : Truth::yes);
      }
      case Op::logical_and: {
        const Truth a = truth(x.lhs), b = truth(x.rhs);
        if (a == Truth::no || b == Truth::no) return Truth::no;
        if (a == Truth::unknown || b == Truth::unknown) return Truth::unknown;
        return Truth::yes;
      }
      case Op::logical_or: {
        const Truth a = truth(x.lhs), b = truth(x.rhs);
        if (a == Truth::yes || b == Truth::yes) return Truth::yes;
        if (a == Truth::unknown || b == Truth::unknown) return Truth::unknown;
        return Truth::no;
      }
      default: break;
    }
    const double a = value(x.lhs), b = value(x.rhs);
    if (std::isnan(a) || std::isnan(b)) return Truth::unknown;
    bool holds = false;
    switch (x.op) {
      case Op::less: holds = a < b; break;
      case Op::less_equal: holds = a <= b; break;
      case Op::greater: holds = a > b; break;
      case Op::greater_equal: holds = a >= b; break;
      case Op::equal: holds = a == b; break;
      case Op::not_equal: holds = a != b; break;
      default: break;
    }
    return holds ? Truth::yes : Truth::no;
  }

  // Appends one sentence per failing comparison, with the values involved.
  void explain_failure(int n, std::vector<std::string>& out) const {
    const Node& x = node(n);
    switch (x.op) {
      case Op::logical_and:
        if (truth(x.lhs) != Truth::yes) explain_failure(x.lhs, out);
        if (truth(x.rhs) != Truth::yes) explain_failure(x.rhs, out);
        return;
      case Op::logical_or:  // both sides failed
        explain_failure(x.lhs, out);
        explain_failure(x.rhs, out);
        return;
      case Op::logical_not: {
        const std::string values = metric_values(x.lhs);
        if (truth(x.lhs) == Truth::yes)
          out.push_back(fmt::format("expected not ({}){}", span(x.lhs), values.empty() ? "" : ", but " + values));
        else  // unknown: the operand involves a NaN
          out.push_back(fmt::format("'{}' cannot be decided: {}", span(x.lhs), values));
        return;
      }
      default: break;
    }
    // A comparison. Put the side with metrics first, so that "5 < x" reads
    // "x = 3, expected > 5" like "x > 5" would.
    int subject = x.lhs, bound = x.rhs;
    Op op = x.op;
    if (!has_metrics(x.lhs) && has_metrics(x.rhs)) {
      std::swap(subject, bound);
      op = mirrored(op);
    }
    out.push_back(fmt::format("{}, expected {} {}", describe(subject), op_text(op), describe(bound)));
  }

  // "5", "x = 3", "x is NaN (not available)", "a / b = 2.5 (a = 5, b = 2)".
  std::string describe(int n) const {
    const Node& x = node(n);
    if (x.op == Op::metric) return describe_metric(x.metric);
    if (!has_metrics(n)) return span(n);
    const double v = value(n);
    const std::string shown = std::isnan(v) ? std::string(" is NaN") : " = " + format_number(v);
    return fmt::format("{}{} ({})", span(n), shown, metric_values(n));
  }

  std::string describe_metric(const std::string& name) const {
    const double v = metrics_.at(name);
    if (std::isnan(v)) return name + " is NaN (not available)";
    return name + " = " + format_number(v);
  }

  // "a = 1, b is NaN (not available)" for the metrics under node n, in source order.
  std::string metric_values(int n) const {
    std::vector<std::string> names;
    collect_metrics(n, names);
    std::vector<std::string> parts;
    for (const auto& name : names) parts.push_back(describe_metric(name));
    return join(parts, ", ");
  }

  void collect_metrics(int n, std::vector<std::string>& names) const {
    const Node& x = node(n);
    if (x.op == Op::metric) {
      if (std::find(names.begin(), names.end(), x.metric) == names.end()) names.push_back(x.metric);
      return;
    }
    if (x.lhs >= 0) collect_metrics(x.lhs, names);
    if (x.rhs >= 0) collect_metrics(x.rhs, names);
  }

  bool has_metrics(int n) const {
    const Node& x = node(n);
    if (x.op == Op::metric) return true;
    return (x.lhs >= 0 && has_metrics(x.lhs)) || (x.rhs >= 0 && has_metrics(x.rhs));
  }

  std::string span(int n) const { return e_.text_.substr(node(n).begin, node(n).end - node(n).begin); }

  static Op mirrored(Op op) {
    switch (op) {
      case Op::less: return Op::greater;
      case Op::less_equal: return Op::greater_equal;
      case Op::greater: return Op::less;
      case Op::greater_equal: return Op::less_equal;
      default: return op;  // == and != are symmetric
    }
  }

  static const char* op_text(Op op) {
    switch (op) {
      case Op::less: return "<";
      case Op::less_equal: return "<=";
      case Op::greater: return ">";
      case Op::greater_equal: return ">=";
      case Op::equal: return "==";
      default: return "!=";
    }
  }

  const Expression& e_;
  const MetricMap& metrics_;
};

ExpectResult Expression::evaluate(const MetricMap& metrics) const {
  return ExpectEvaluator(*this, metrics).evaluate();
}

std::vector<ExpectOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                 const MetricMap& metrics) {
  std::vector<ExpectOutcome> outcomes;
  outcomes.reserve(expectations.size());
  for (const Expectation& expectation : expectations) {
    ExpectOutcome outcome;
    outcome.text = expectation.text;
    outcome.pos = expectation.pos;
    try {
      const ExpectResult result = Expression::parse(expectation.text).evaluate(metrics);
      outcome.passed = result.passed;
      outcome.unknown = result.unknown;
      outcome.detail = result.detail;
    } catch (const ExpectSyntaxError& error) {
      outcome.passed = false;
      outcome.detail = fmt::format("syntax error at column {}: {}", error.column, error.what());
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

bool all_passed(const std::vector<ExpectOutcome>& outcomes) {
  return std::all_of(outcomes.begin(), outcomes.end(), [](const ExpectOutcome& o) { return o.passed; });
}

std::string format_expect_report(const std::vector<ExpectOutcome>& outcomes, std::string_view source_file) {
  if (outcomes.empty()) return {};
  // Align the details, but do not let one long assertion push all of them far right.
  constexpr std::size_t kMaxTextWidth = 40;
  std::size_t width = 0;
  for (const auto& o : outcomes) width = std::max(width, std::min(o.text.size(), kMaxTextWidth));
  std::string report;
  std::size_t failed = 0;
  for (const auto& o : outcomes) {
    if (!o.passed) ++failed;
    std::string line = fmt::format("{}  {:<{}}  {}", o.passed ? "PASS" : "FAIL", o.text, width, o.detail);
    if (!o.passed && o.pos.line > 0) {
      if (!source_file.empty())
        line += fmt::format("  ({}:{}:{})", source_file, o.pos.line, o.pos.column);
      else
        line += fmt::format("  (line {}, column {})", o.pos.line, o.pos.column);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    report += line;
    report += '\n';
  }
  if (failed == 0)
    report += fmt::format("expect: all {} assertion{} passed\n", outcomes.size(), outcomes.size() == 1 ? "" : "s");
  else
    report += fmt::format("expect: {} of {} assertion{} failed\n", failed, outcomes.size(),
                          outcomes.size() == 1 ? "" : "s");
  return report;
}

}  // namespace ecsim
