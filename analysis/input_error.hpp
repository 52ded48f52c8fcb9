#pragma once
// Bad input found in a file, located the way compilers do it:
//   "file:line:col: error: what"   ("file:line: error: what" when the column
//   is unknown, "file: error: what" when the line is too; lines and columns
//   count from 1, columns in bytes). The format of ScenarioError, without
//   the kernel: the history library and ecsim-check use it.
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ecsim {

class InputError : public std::runtime_error {
 public:
  InputError(std::string file, int line, int column, std::string what)
      : std::runtime_error(located(file, line, column, what)),
        file_(std::move(file)),
        line_(line),
        column_(column),
        message_(std::move(what)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 0: not known
  int column() const { return column_; }  // 0: not known
  const std::string& message() const { return message_; }  // what() without the location

  static std::string located(const std::string& file, int line, int column, const std::string& what) {
    if (line <= 0) return fmt::format("{}: error: {}", file, what);
    if (column <= 0) return fmt::format("{}:{}: error: {}", file, line, what);
    return fmt::format("{}:{}:{}: error: {}", file, line, column, what);
  }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string message_;
};

}  // namespace ecsim
