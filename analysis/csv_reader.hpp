#pragma once
// The one CSV reader for the tables ecsim reads back (ops.csv, applied.csv,
// events.csv: `ecsim analyze`, `ecsim-check`), built on fast-cpp-csv-parser
// (Debian libfccp-dev): its block line reader and its double-quote rules.
//
// What it accepts (what ecsim's CsvWriter, Python's csv module with any
// quoting and R's write.csv write):
// - fields separated by ','; a field may be quoted with '"', and a '"' inside
//   a quoted field is written twice (""); a quoted field ends on its line;
//   a '"' inside an unquoted field is an error (quote the whole field);
// - spaces and tabs around a field are dropped (inside quotes they are kept);
// - LF or CRLF line ends; a UTF-8 byte order mark is skipped;
// - blank lines (empty, or only spaces and tabs) are skipped anywhere;
// - the first non-blank line is the header; columns are found by name, so
//   other columns may be present in any order; a name may appear only once;
// - every row has as many fields as the header.
// Every error is an InputError "file:line:col: error: what was expected".
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/input_error.hpp"

namespace ecsim {

class CsvReader {
 public:
  // Opens `path` and reads its header. `kind` names the file in the error
  // for a file that cannot be opened ("cannot open history file: ...").
  explicit CsvReader(const std::string& path, std::string_view kind = "CSV file");
  ~CsvReader();
  CsvReader(CsvReader&&) noexcept;
  CsvReader& operator=(CsvReader&&) noexcept;

  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }
  // Index of the column named `name`, if the header has it.
  std::optional<std::size_t> find(std::string_view name) const;
  // Index of the column named `name`; InputError "missing column" if absent.
  std::size_t require(std::string_view name) const;

  // Reads the next row; false at the end of the file.
  bool next();
  // The current row (after next() returned true). Views stay valid until the
  // next call of next().
  int line() const { return line_; }
  // Bytes of the lines returned so far (for progress; blank lines not counted).
  std::uint64_t bytes_read() const { return bytes_read_; }
  std::string_view operator[](std::size_t index) const { return fields_[index].text; }
  // Where field `index` starts on the line (its opening quote if quoted).
  int column(std::size_t index) const { return fields_[index].column; }
  // Where its text starts (after an opening quote): add a parse error's offset.
  int text_column(std::size_t index) const { return fields_[index].column + (fields_[index].quoted ? 1 : 0); }

  // Throws InputError at field `index`; `offset` (for parse errors) is a
  // position in the field's text, after any opening quote.
  [[noreturn]] void fail(std::size_t index, const std::string& what) const;
  [[noreturn]] void fail_at(std::size_t index, std::size_t offset, const std::string& what) const;

  // Field `index` as a number or flag; errors read "<name>: expected ...".
  std::int64_t integer(std::size_t index, std::string_view name) const;
  // A time in ns since the run started: an integer >= 0.
  std::int64_t time_ns(std::size_t index, std::string_view name) const;
  // An integer >= 0 (counts, byte sizes).
  std::int64_t count(std::size_t index, std::string_view name) const;
  // true/false (any case, as Python and R write them) or 1/0.
  bool boolean(std::size_t index, std::string_view name) const;

 private:
  struct Field {
    std::string_view text;
    int column = 0;  // 1-based
    bool quoted = false;
  };
  struct Source;  // fast-cpp-csv-parser stays inside csv_reader.cpp
  char* next_nonblank_line();
  void split(char* line, std::size_t length);
  [[noreturn]] void unquoted_quote(const char* field, int column) const;

  std::string path_;
  std::unique_ptr<Source> source_;
  std::vector<std::string> header_;
  int header_line_ = 0;
  int line_ = 0;
  std::uint64_t bytes_read_ = 0;
  std::vector<Field> fields_;
};

}  // namespace ecsim
