#include "analysis/csv_reader.hpp"

#include <charconv>
#include <cstring>
#include <system_error>

#include <fmt/format.h>
// fast-cpp-csv-parser's error class copies file names with strncpy, which
// GCC 12 flags (harmlessly: the buffer is terminated by hand afterwards).
#pragma GCC diagnostic push
#ifndef __clang__  // a GCC-only warning; Clang would warn about the unknown option
#pragma GCC diagnostic ignored "-Wstringop-truncation"
#endif
#include <libfccp/csv.h>
#pragma GCC diagnostic pop

#include "sim/strings.hpp"

namespace ecsim {

namespace {

// fast-cpp-csv-parser's policies: ',' separates, '"' quotes ("" inside a
// quoted field is a quote), spaces and tabs around a field are dropped.
using Quote = io::double_quote_escape<',', '"'>;
using Trim = io::trim_chars<' ', '\t'>;

bool is_blank(const char* line) { return io::empty_line_comment::is_comment(line); }

}  // namespace

// The parser's line reader: reads in large blocks on a second thread, ends
// lines at LF or CRLF, skips a UTF-8 byte order mark, counts lines.
struct CsvReader::Source {
  explicit Source(const std::string& path) : lines(path) {}
  io::LineReader lines;
};

CsvReader::CsvReader(const std::string& path, std::string_view kind) : path_(path) {
  try {
    source_ = std::make_unique<Source>(path);
  } catch (const io::error::can_not_open_file& e) {
    throw InputError(path_, 0, 0,
                     fmt::format("cannot open {}: {}", kind, e.errno_value != 0 ? std::strerror(e.errno_value) : "unknown error"));
  }
  char* line = next_nonblank_line();
  if (line == nullptr) throw InputError(path_, 1, 1, "empty file: expected a header line");
  header_line_ = line_;
  split(line, std::strlen(line));
  header_.reserve(fields_.size());
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    for (std::size_t j = 0; j < header_.size(); ++j)
      if (!header_[j].empty() && header_[j] == fields_[i].text)
        throw InputError(path_, line_, fields_[i].column,
                         fmt::format("duplicated column '{}' (also column {} of the header): which one is meant?",
                                     fields_[i].text, j + 1));
    header_.emplace_back(fields_[i].text);
  }
}

CsvReader::~CsvReader() = default;
CsvReader::CsvReader(CsvReader&&) noexcept = default;
CsvReader& CsvReader::operator=(CsvReader&&) noexcept = default;

std::optional<std::size_t> CsvReader::find(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return i;
  return std::nullopt;
}

std::size_t CsvReader::require(std::string_view name) const {
  if (const auto at = find(name)) return *at;
  throw InputError(path_, header_line_, 1, fmt::format("missing column '{}' (the header has: {})", name, join(header_)));
}

char* CsvReader::next_nonblank_line() {
  try {
    for (;;) {
      char* line = source_->lines.next_line();
      if (line == nullptr) return nullptr;
      line_ = static_cast<int>(source_->lines.get_file_line());
      if (!is_blank(line)) return line;
    }
  } catch (const io::error::line_length_limit_exceeded& e) {
    throw InputError(path_, e.file_line, 1, "line longer than 16 MiB: is this a CSV file?");
  }
}

bool CsvReader::next() {
  char* line = next_nonblank_line();
  if (line == nullptr) return false;
  const std::size_t length = std::strlen(line);
  bytes_read_ += length + 1;
  split(line, length);
  if (fields_.size() != header_.size()) {
    // Too many: where the first extra field starts; too few: the end of the line.
    const int column = fields_.size() > header_.size() ? fields_[header_.size()].column : static_cast<int>(length) + 1;
    throw InputError(path_, line_, column,
                     fmt::format("expected {} fields as in the header, got {}", header_.size(), fields_.size()));
  }
  return true;
}

// Cuts `line` into fields in place with the parser's quote rules, keeping
// where each field starts for error messages.
void CsvReader::split(char* line, std::size_t length) {
  fields_.clear();
  const bool any_quote = std::memchr(line, '"', length) != nullptr;  // most lines have none
  char* rest = line;
  for (;;) {
    char* begin = rest;
    while (*begin == ' ' || *begin == '\t') ++begin;
    const int column = static_cast<int>(begin - line) + 1;
    char* end = nullptr;
    try {
      end = begin + (Quote::find_next_column_end(begin) - begin);
    } catch (const io::error::escaped_string_not_closed&) {
      if (*begin == '"')
        throw InputError(path_, line_, column, "unterminated quoted field (a quoted field must end on its line)");
      unquoted_quote(begin, column);
    }
    const bool last = *end == '\0';
    char* text_end = end;
    Trim::trim(begin, text_end);  // also terminates the field
    const std::size_t size = static_cast<std::size_t>(text_end - begin);
    bool quoted = false;
    if (!any_quote) {
      // nothing to unquote or reject
    } else if (size > 0 && *begin == '"') {
      // The closing quote must end the field: "a"b is not a field.
      std::size_t i = 1;
      while (i < size && !(begin[i] == '"' && (i + 1 == size || begin[i + 1] != '"'))) i += begin[i] == '"' ? 2 : 1;
      if (i + 1 < size)
        throw InputError(path_, line_, column + static_cast<int>(i) + 1,
                         fmt::format("expected ',' after the quoted field, got '{}'", begin[i + 1]));
      quoted = true;
      Quote::unescape(begin, text_end);
    } else if (std::memchr(begin, '"', size) != nullptr) {
      unquoted_quote(begin, column);
    }
    fields_.push_back(Field{std::string_view(begin, static_cast<std::size_t>(text_end - begin)), column, quoted});
    if (last) break;
    rest = end + 1;
  }
}

void CsvReader::unquoted_quote(const char* field, int column) const {
  const char* quote = std::strchr(field, '"');
  throw InputError(path_, line_, column + static_cast<int>(quote - field),
                   "'\"' inside an unquoted field: quote the whole field and double the '\"' (\"a\"\"b\")");
}

void CsvReader::fail(std::size_t index, const std::string& what) const {
  throw InputError(path_, line_, fields_[index].column, what);
}

void CsvReader::fail_at(std::size_t index, std::size_t offset, const std::string& what) const {
  throw InputError(path_, line_, text_column(index) + static_cast<int>(offset), what);
}

std::int64_t CsvReader::integer(std::size_t index, std::string_view name) const {
  const std::string_view t = fields_[index].text;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size())
    fail(index, fmt::format("{}: expected an integer, got '{}'", name, t));
  return v;
}

std::int64_t CsvReader::time_ns(std::size_t index, std::string_view name) const {
  const std::int64_t v = integer(index, name);
  if (v < 0) fail(index, fmt::format("{}: expected a time in ns since the run started (>= 0), got {}", name, v));
  return v;
}

std::int64_t CsvReader::count(std::size_t index, std::string_view name) const {
  const std::int64_t v = integer(index, name);
  if (v < 0) fail(index, fmt::format("{}: expected a number >= 0, got {}", name, v));
  return v;
}

bool CsvReader::boolean(std::size_t index, std::string_view name) const {
  const std::string_view t = fields_[index].text;
  auto is = [&](std::string_view word) {
    if (t.size() != word.size()) return false;
    for (std::size_t i = 0; i < t.size(); ++i)
      if ((t[i] | 0x20) != word[i]) return false;  // ASCII lower case
    return true;
  };
  if (t == "1" || is("true")) return true;
  if (t == "0" || is("false")) return false;
  fail(index, fmt::format("{}: expected true or false, got '{}'", name, t));
}

}  // namespace ecsim
