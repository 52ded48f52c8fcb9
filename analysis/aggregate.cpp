#include "analysis/aggregate.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <system_error>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>

#include "analysis/csv_reader.hpp"
#include "analysis/csv_writer.hpp"

namespace ecsim {

namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<std::string> kStatColumns = {"metric", "n",   "mean",     "stddev",   "min",
                                               "p50",    "p95", "max",      "ci95_low", "ci95_high"};

// Runs `body`, turning the CSV reader's errors ("file:line:col: error: ...") into TableError.
template <class F>
auto with_table_errors(F&& body) {
  try {
    return body();
  } catch (const InputError& e) {
    throw TableError(e.what());
  }
}

std::size_t index_of(const std::vector<std::string>& header, const std::string& name, const fs::path& path) {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw TableError(fmt::format("{}:1: missing column '{}'", path.string(), name));
}

double parse_field(const std::string& text, const fs::path& path, std::size_t row, const std::string& column) {
  try {
    return parse_csv_double(text);
  } catch (const std::invalid_argument&) {
    throw TableError(fmt::format("{}:{}: column '{}': expected a number, got '{}'", path.string(), row + 2, column, text));
  }
}

}  // namespace

double parse_csv_double(const std::string& text) {
  if (text.empty()) return kNaN;
  if (text == "inf" || text == "+inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  if (text == "nan" || text == "NaN") return kNaN;
  double v = 0.0;
  const char* begin = text.data() + (text[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) throw std::invalid_argument("not a number: " + text);
  return v;
}

AggregateTable aggregate_runs(const SweepTable& table) {
  // Points in order of first appearance; their runs in plan order.
  std::vector<std::size_t> order;
  std::map<std::size_t, std::vector<const RunRow*>> by_point;
  for (const RunRow& r : table.runs) {
    auto [it, inserted] = by_point.try_emplace(r.point);
    if (inserted) order.push_back(r.point);
    it->second.push_back(&r);
  }
  AggregateTable out;
  out.params = table.params;
  std::vector<double> values;
  for (std::size_t point : order) {
    const auto& runs = by_point[point];
    for (std::size_t m = 0; m < table.metrics.size(); ++m) {
      values.clear();
      for (const RunRow* r : runs) values.push_back(r->values.at(m));
      out.rows.push_back(AggregateRow{runs.front()->param_values, table.metrics[m], summarize(values)});
    }
  }
  return out;
}

void write_csv_atomic(const fs::path& path, const std::function<void(CsvWriter&)>& fill) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  fs::path temp = path;
  // pid and thread: unique among concurrent writers of the same file.
  temp += fmt::format(".tmp-{}-{}", static_cast<long>(::getpid()), std::hash<std::thread::id>{}(std::this_thread::get_id()));
  try {
    CsvWriter w(temp);
    fill(w);
    w.close();
  } catch (...) {
    fs::remove(temp, ec);
    throw;
  }
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path.string(), ec.message()));
  }
}

void write_runs_csv(const fs::path& path, const SweepTable& table) {
  write_csv_atomic(path, [&](CsvWriter& w) {
    std::vector<std::string> header = table.params;
    header.push_back("seed");
    header.insert(header.end(), table.metrics.begin(), table.metrics.end());
    w.header(header);
    for (const RunRow& r : table.runs) {
      for (const std::string& v : r.param_values) w.field(v);
      w.field(r.seed);
      for (double v : r.values) w.field(v);
      w.end_row();
    }
  });
}

void write_aggregate_csv(const fs::path& path, const AggregateTable& table) {
  write_csv_atomic(path, [&](CsvWriter& w) {
    std::vector<std::string> header = table.params;
    header.insert(header.end(), kStatColumns.begin(), kStatColumns.end());
    w.header(header);
    for (const AggregateRow& r : table.rows) {
      for (const std::string& v : r.param_values) w.field(v);
      const Summary& s = r.stats;
      w.field(r.metric).field(static_cast<std::uint64_t>(s.n));
      for (double v : {s.mean, s.stddev, s.min, s.p50, s.p95, s.max, s.ci95_low, s.ci95_high}) w.field(v);
      w.end_row();
    }
  });
}

std::vector<std::string> read_csv_header(const fs::path& path) {
  return with_table_errors([&] { return CsvReader(path.string()).header(); });
}

std::vector<std::string> read_csv_column(const fs::path& path, const std::string& column) {
  return with_table_errors([&] {
    CsvReader in(path.string());
    const std::size_t at = in.require(column);
    std::vector<std::string> out;
    while (in.next()) out.emplace_back(in[at]);
    return out;
  });
}

SweepTable read_runs_csv(const fs::path& path) {
  const std::vector<std::string> header = read_csv_header(path);
  const std::size_t seed_col = index_of(header, "seed", path);
  SweepTable t;
  t.params.assign(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(seed_col));
  t.metrics.assign(header.begin() + static_cast<std::ptrdiff_t>(seed_col) + 1, header.end());
  const std::vector<std::string> seeds = read_csv_column(path, "seed");
  t.runs.resize(seeds.size());
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    std::uint64_t s = 0;
    const auto [end, ec] = std::from_chars(seeds[i].data(), seeds[i].data() + seeds[i].size(), s);
    if (ec != std::errc{} || end != seeds[i].data() + seeds[i].size())
      throw TableError(fmt::format("{}:{}: column 'seed': expected an integer, got '{}'", path.string(), i + 2, seeds[i]));
    t.runs[i].seed = s;
  }
  for (const std::string& p : t.params) {
    const auto col = read_csv_column(path, p);
    for (std::size_t i = 0; i < col.size(); ++i) t.runs[i].param_values.push_back(col[i]);
  }
  for (const std::string& m : t.metrics) {
    const auto col = read_csv_column(path, m);
    for (std::size_t i = 0; i < col.size(); ++i) t.runs[i].values.push_back(parse_field(col[i], path, i, m));
  }
  // Rows with equal parameter values belong to one point.
  std::map<std::vector<std::string>, std::size_t> points;
  for (RunRow& r : t.runs) r.point = points.try_emplace(r.param_values, points.size()).first->second;
  return t;
}

AggregateTable read_aggregate_csv(const fs::path& path) {
  const std::vector<std::string> header = read_csv_header(path);
  const std::size_t metric_col = index_of(header, "metric", path);
  for (const std::string& c : kStatColumns) index_of(header, c, path);
  AggregateTable t;
  t.params.assign(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(metric_col));
  const std::vector<std::string> metrics = read_csv_column(path, "metric");
  t.rows.resize(metrics.size());
  for (std::size_t i = 0; i < metrics.size(); ++i) t.rows[i].metric = metrics[i];
  for (const std::string& p : t.params) {
    const auto col = read_csv_column(path, p);
    for (std::size_t i = 0; i < col.size(); ++i) t.rows[i].param_values.push_back(col[i]);
  }
  const std::vector<std::pair<std::string, double Summary::*>> stats = {
      {"mean", &Summary::mean}, {"stddev", &Summary::stddev},     {"min", &Summary::min},
      {"p50", &Summary::p50},   {"p95", &Summary::p95},           {"max", &Summary::max},
      {"ci95_low", &Summary::ci95_low}, {"ci95_high", &Summary::ci95_high}};
  for (const auto& [name, member] : stats) {
    const auto col = read_csv_column(path, name);
    for (std::size_t i = 0; i < col.size(); ++i) t.rows[i].stats.*member = parse_field(col[i], path, i, name);
  }
  const auto ns = read_csv_column(path, "n");
  for (std::size_t i = 0; i < ns.size(); ++i) {
    const double n = parse_field(ns[i], path, i, "n");
    if (!(n >= 0) || n != std::floor(n))
      throw TableError(fmt::format("{}:{}: column 'n': expected a count, got '{}'", path.string(), i + 2, ns[i]));
    t.rows[i].stats.n = static_cast<std::size_t>(n);
  }
  return t;
}

AggregateComparison compare_aggregates(const AggregateTable& before, const AggregateTable& after) {
  if (before.params != after.params)
    throw TableError(fmt::format("the two aggregates sweep different parameters ({} vs {})",
                                 before.params.empty() ? "none" : fmt::format("{}", fmt::join(before.params, ", ")),
                                 after.params.empty() ? "none" : fmt::format("{}", fmt::join(after.params, ", "))));
  AggregateComparison out;
  out.params = after.params;
  std::map<std::pair<std::vector<std::string>, std::string>, const AggregateRow*> old_rows;
  for (const AggregateRow& r : before.rows) old_rows[{r.param_values, r.metric}] = &r;
  std::size_t matched = 0;
  for (const AggregateRow& r : after.rows) {
    auto it = old_rows.find({r.param_values, r.metric});
    if (it == old_rows.end()) {
      ++out.only_after;
      continue;
    }
    ++matched;
    const Summary& a = it->second->stats;
    const Summary& b = r.stats;
    MetricChange c{r.param_values, r.metric, a, b, b.mean - a.mean, kNaN, kNaN, false};
    if (a.n == 0 || b.n == 0) {
      c.changed = a.n != b.n;  // a metric appeared or disappeared
    } else if (a.n == 1 || b.n == 1) {
      c.changed = a.mean != b.mean;
    } else {
      const double va = a.stddev * a.stddev / static_cast<double>(a.n);
      const double vb = b.stddev * b.stddev / static_cast<double>(b.n);
      const double se = std::sqrt(va + vb);
      if (se == 0.0) {
        c.diff_low = c.diff_high = c.diff;
        c.changed = c.diff != 0.0;
      } else {
        // Welch-Satterthwaite degrees of freedom, rounded down (a wider, conservative interval).
        const double df = (va + vb) * (va + vb) /
                          (va * va / static_cast<double>(a.n - 1) + vb * vb / static_cast<double>(b.n - 1));
        const double t = student_t_975(std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(df))));
        c.diff_low = c.diff - t * se;
        c.diff_high = c.diff + t * se;
        c.changed = c.diff_low > 0.0 || c.diff_high < 0.0;
      }
    }
    out.rows.push_back(std::move(c));
  }
  out.only_before = before.rows.size() - matched;
  return out;
}

}  // namespace ecsim
