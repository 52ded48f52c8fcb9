#include "analysis/csv_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace ecsim {

std::string format_hash_hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

CsvWriter::CsvWriter(const std::filesystem::path& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr)
    throw std::runtime_error(fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)));
  buffer_.reserve(kInitialBufferBytes);
}

CsvWriter CsvWriter::hash_only() {
  CsvWriter w;
  w.hash_only_ = true;
  w.buffer_.reserve(kInitialBufferBytes);
  return w;
}

CsvWriter::CsvWriter(CsvWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      hash_only_(other.hash_only_),
      closed_(std::exchange(other.closed_, true)),
      buffer_(std::move(other.buffer_)),
      hash_(other.hash_),
      flushed_bytes_(other.flushed_bytes_),
      rows_(other.rows_),
      fields_in_row_(other.fields_in_row_),
      header_fields_(other.header_fields_) {}

CsvWriter& CsvWriter::operator=(CsvWriter&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {
      // As in the destructor: the file being replaced cannot report errors here.
    }
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, nullptr);
    hash_only_ = other.hash_only_;
    closed_ = std::exchange(other.closed_, true);
    buffer_ = std::move(other.buffer_);
    hash_ = other.hash_;
    flushed_bytes_ = other.flushed_bytes_;
    rows_ = other.rows_;
    fields_in_row_ = other.fields_in_row_;
    header_fields_ = other.header_fields_;
  }
  return *this;
}

CsvWriter::~CsvWriter() {
  try {
    close();
  } catch (...) {
    // Destructors must not throw; close() reports errors to callers who ask.
  }
}

void CsvWriter::check_open() const {
  if (closed_) throw std::logic_error(fmt::format("CsvWriter '{}' used after close()", path_.string()));
}

void CsvWriter::header(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) field(name);
  header_fields_ = names.size();
  end_row();
}

void CsvWriter::header(const std::vector<std::string>& names) {
  for (const std::string& name : names) field(name);
  header_fields_ = names.size();
  end_row();
}

void CsvWriter::begin_field() {
  check_open();
  if (fields_in_row_ > 0) buffer_ += ',';
  ++fields_in_row_;
}

CsvWriter& CsvWriter::field(std::string_view text) {
  begin_field();
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    buffer_ += text;
    return *this;
  }
  buffer_ += '"';
  for (const char c : text) {
    if (c == '"') buffer_ += '"';
    buffer_ += c;
  }
  buffer_ += '"';
  return *this;
}

CsvWriter& CsvWriter::field(bool value) { return field(value ? std::string_view("true") : "false"); }

CsvWriter& CsvWriter::field_signed(long long value) {
  begin_field();
  const fmt::format_int digits(value);
  buffer_.append(digits.data(), digits.size());
  return *this;
}

CsvWriter& CsvWriter::field_unsigned(unsigned long long value) {
  begin_field();
  const fmt::format_int digits(value);
  buffer_.append(digits.data(), digits.size());
  return *this;
}

CsvWriter& CsvWriter::field(double value) {
  begin_field();
  if (std::isnan(value)) return *this;  // missing value: empty field
  if (value == 0.0) value = 0.0;        // -0 -> 0
  fmt::format_to(std::back_inserter(buffer_), "{}", value);
  return *this;
}

CsvWriter& CsvWriter::field(float value) {
  begin_field();
  if (std::isnan(value)) return *this;
  if (value == 0.0f) value = 0.0f;
  // Formatted as float: 0.1f prints "0.1", not 0.10000000149011612.
  fmt::format_to(std::back_inserter(buffer_), "{}", value);
  return *this;
}

void CsvWriter::end_row() {
  check_open();
  if (header_fields_ != 0 && fields_in_row_ != header_fields_)
    throw std::logic_error(fmt::format("CSV '{}' row {} has {} fields, the header has {}", path_.string(),
                                       rows_ + 1, fields_in_row_, header_fields_));
  buffer_ += '\n';
  fields_in_row_ = 0;
  ++rows_;
  if (buffer_.size() >= kFlushThresholdBytes) {
    write_buffer();
  } else if (buffer_.size() > kInitialBufferBytes / 2 && buffer_.capacity() < kFlushThresholdBytes) {
    buffer_.reserve(kFlushThresholdBytes + 4096);  // a large trace after all: its full buffer at once, not by doublings
  }
}

void CsvWriter::write_buffer() {
  if (buffer_.empty()) return;
  hash_ = fnv1a64(buffer_, hash_);
  flushed_bytes_ += buffer_.size();
  if (file_ != nullptr && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    const int error = errno;
    buffer_.clear();
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path_.string(), std::strerror(error)));
  }
  buffer_.clear();
}

void CsvWriter::flush() {
  if (closed_) return;
  write_buffer();
  if (file_ != nullptr && std::fflush(file_) != 0)
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path_.string(), std::strerror(errno)));
}

void CsvWriter::close() {
  if (closed_) return;
  closed_ = true;
  std::FILE* file = file_;
  try {
    write_buffer();
  } catch (...) {
    file_ = nullptr;
    if (file != nullptr) std::fclose(file);
    throw;
  }
  file_ = nullptr;
  // fclose flushes stdio's own buffer; a full disk often shows only here.
  if (file != nullptr && std::fclose(file) != 0)
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path_.string(), std::strerror(errno)));
}

std::uint64_t CsvWriter::hash() const { return fnv1a64(buffer_, hash_); }

}  // namespace ecsim
