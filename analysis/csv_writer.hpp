#pragma once
// Buffered CSV output with a running FNV-1a hash of every byte written, so a
// run can report a trace_hash without re-reading its files.
//
// Format (fixed, because golden traces and trace hashes compare bytes):
// - fields separated by ',', rows end with "\n" (not RFC 4180's CRLF: every
//   CSV reader accepts LF, and diff/grep output stays clean);
// - integers exactly; bool as "true"/"false";
// - floating point in fmt's shortest round-trip form ("7.2", "1200",
//   "1e-07"): deterministic and lossless; -0 is written "0"; NaN ("not
//   available") is written as an empty field, because "nan" is not a number
//   to many tools (spreadsheets, SQL loaders) while an empty field reads as
//   missing everywhere; ±infinity as "inf"/"-inf" (numpy/pandas read these);
// - text is quoted, with '"' doubled, only when it contains ',', '"', CR or LF.
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sim/hash.hpp"  // fnv1a64

namespace ecsim {

// 16 lowercase hex digits, zero-padded: "00c0ffee00c0ffee".
std::string format_hash_hex(std::uint64_t hash);

class CsvWriter {
 public:
  // Rows are flushed to the file once the buffer holds at least this much.
  static constexpr std::size_t kFlushThresholdBytes = std::size_t{1} << 20;
  // The buffer starts small and grows to the threshold (in one step) only for
  // large traces: a small run's seven writers reserving 1 MiB each cost page
  // faults and mmap/munmap calls that serialise the threads of `ecsim explore`.
  static constexpr std::size_t kInitialBufferBytes = std::size_t{16} << 10;

  // Creates (truncates) the file; throws std::runtime_error if it cannot.
  explicit CsvWriter(const std::filesystem::path& path);
  // A writer that only hashes, for determinism checks that need no files.
  static CsvWriter hash_only();
  // A trace the run may or may not write: the file at `path`, or hash only when `path` is empty.
  static CsvWriter to_file_or_hash(const std::string& path) {
    return path.empty() ? hash_only() : CsvWriter(std::filesystem::path(path));
  }

  CsvWriter(CsvWriter&& other) noexcept;
  CsvWriter& operator=(CsvWriter&& other) noexcept;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  // Flushes and closes, ignoring errors: call close() to see them.
  ~CsvWriter();

  // Writes the header row; every later row must have as many fields
  // (checked in end_row, std::logic_error otherwise: a ragged CSV is a bug).
  void header(std::initializer_list<std::string_view> names);
  void header(const std::vector<std::string>& names);

  CsvWriter& field(std::string_view text);
  CsvWriter& field(const char* text) { return field(std::string_view(text)); }
  CsvWriter& field(const std::string& text) { return field(std::string_view(text)); }
  CsvWriter& field(char c) { return field(std::string_view(&c, 1)); }
  CsvWriter& field(bool value);
  template <std::integral T>
  CsvWriter& field(T value) {
    if constexpr (std::is_signed_v<T>) return field_signed(static_cast<long long>(value));
    else return field_unsigned(static_cast<unsigned long long>(value));
  }
  CsvWriter& field(double value);
  CsvWriter& field(float value);
  CsvWriter& empty_field() { return field(std::string_view{}); }

  void end_row();

  template <class... Fields>
  void row(const Fields&... fields) {
    (field(fields), ...);
    end_row();
  }

  // Writes the buffer out (also done automatically every kFlushThresholdBytes).
  // Throws std::runtime_error on a write error.
  void flush();
  // Flushes and closes the file; throws std::runtime_error on error.
  // Idempotent; nothing may be written afterwards.
  void close();

  // FNV-1a 64 of every byte written so far, including buffered bytes.
  std::uint64_t hash() const;
  std::uint64_t bytes_written() const { return flushed_bytes_ + buffer_.size(); }
  std::uint64_t rows_written() const { return rows_; }  // including the header
  const std::filesystem::path& path() const { return path_; }

 private:
  CsvWriter() = default;  // hash_only
  CsvWriter& field_signed(long long value);
  CsvWriter& field_unsigned(unsigned long long value);
  void begin_field();
  void write_buffer();  // hashes and writes buffer_, then clears it
  void check_open() const;

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;  // null for hash_only or after close
  bool hash_only_ = false;
  bool closed_ = false;
  std::string buffer_;
  std::uint64_t hash_ = kFnv1a64OffsetBasis;  // of the bytes already written out
  std::uint64_t flushed_bytes_ = 0;
  std::uint64_t rows_ = 0;
  std::size_t fields_in_row_ = 0;
  std::size_t header_fields_ = 0;  // 0 = no header, rows unchecked
};

}  // namespace ecsim
