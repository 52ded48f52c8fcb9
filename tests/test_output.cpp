// CsvWriter formatting and hashing; AtomicOutputDir and write_file_atomic.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

#include <unistd.h>

#include "analysis/csv_writer.hpp"
#include "analysis/output_dir.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_plain_file(const fs::path& p, const std::string& contents) {
  std::ofstream out(p, std::ios::binary);
  out << contents;
}

// A fresh directory under /tmp, removed again at the end of the test.
struct ScratchDir {
  fs::path root;
  explicit ScratchDir(const std::string& name)
      : root(fs::temp_directory_path() / ("ecsim-test-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  // Names of the entries directly in root, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(root)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

TEST_CASE("csv: FNV-1a 64 known values and hex formatting", "[csv]") {
  // Reference values of the FNV-1a 64-bit test suite.
  CHECK(ecsim::fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(ecsim::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(ecsim::fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(ecsim::fnv1a64("bar", ecsim::fnv1a64("foo")) == ecsim::fnv1a64("foobar"));
  CHECK(ecsim::format_hash_hex(0xaf63dc4c8601ec8cULL) == "af63dc4c8601ec8c");
  CHECK(ecsim::format_hash_hex(0xffULL) == "00000000000000ff");
}

TEST_CASE("csv: field formatting and RFC 4180 quoting", "[csv]") {
  ScratchDir dir("csv-format");
  const fs::path file = dir.root / "t.csv";
  std::uint64_t hash = 0;
  {
    ecsim::CsvWriter w(file);
    w.header({"a", "b", "c", "d"});
    w.row(std::int64_t{-42}, std::uint64_t{18446744073709551615ULL}, 7.2, "plain");
    w.row(1200.0, std::numeric_limits<double>::quiet_NaN(), -0.0, std::string("has,comma"));
    w.row(0.1f, 1e-7, std::numeric_limits<double>::infinity(), "say \"hi\"");
    w.row(true, false, 'x', "two\nlines");
    w.field(std::size_t{3}).field(std::int8_t{-1}).empty_field().field(std::string_view("cr\r"));
    w.end_row();
    CHECK(w.rows_written() == 6);
    w.close();
    hash = w.hash();
  }
  const std::string expected =
      "a,b,c,d\n"
      "-42,18446744073709551615,7.2,plain\n"
      "1200,,0,\"has,comma\"\n"
      "0.1,1e-07,inf,\"say \"\"hi\"\"\"\n"
      "true,false,x,\"two\nlines\"\n"
      "3,-1,,\"cr\r\"\n";
  const std::string contents = read_file(file);
  CHECK(contents == expected);
  CHECK(hash == ecsim::fnv1a64(contents));
}

TEST_CASE("csv: hash covers buffered and flushed bytes alike", "[csv]") {
  ScratchDir dir("csv-hash");
  const fs::path file = dir.root / "big.csv";
  ecsim::CsvWriter w(file);
  ecsim::CsvWriter hash_only = ecsim::CsvWriter::hash_only();
  w.header({"time_ns", "node", "kind"});
  hash_only.header({"time_ns", "node", "kind"});
  // About 3 MiB, so the buffer is flushed several times mid-run.
  for (std::int64_t i = 0; i < 150000; ++i) {
    w.row(i * 1000, static_cast<int>(i % 7), "deliver");
    hash_only.row(i * 1000, static_cast<int>(i % 7), "deliver");
  }
  CHECK(w.bytes_written() > 2 * ecsim::CsvWriter::kFlushThresholdBytes);
  const std::uint64_t before_close = w.hash();  // includes still-buffered bytes
  w.close();
  CHECK(w.hash() == before_close);
  CHECK(hash_only.hash() == before_close);
  const std::string contents = read_file(file);
  CHECK(contents.size() == w.bytes_written());
  CHECK(ecsim::fnv1a64(contents) == before_close);
}

TEST_CASE("csv: a row with the wrong number of fields is an error", "[csv]") {
  ecsim::CsvWriter w = ecsim::CsvWriter::hash_only();
  w.header({"a", "b"});
  w.field(1);
  CHECK_THROWS_AS(w.end_row(), std::logic_error);
}

TEST_CASE("csv: cannot create a file in a missing directory", "[csv]") {
  CHECK_THROWS_AS(ecsim::CsvWriter("/nonexistent-ecsim-dir/x.csv"), std::runtime_error);
}

TEST_CASE("output dir: nothing is left behind without commit", "[output]") {
  ScratchDir dir("outdir-abandon");
  const fs::path final_dir = dir.root / "runs" / "seed-1";
  {
    ecsim::AtomicOutputDir out(final_dir);
    CHECK(fs::is_directory(out.temp_path()));
    CHECK(out.temp_path() == dir.root / "runs" / ("seed-1.tmp-" + std::to_string(::getpid())));
    ecsim::CsvWriter w(out.path("events.csv"));
    w.row(1, 2);
    w.close();
    CHECK(fs::exists(out.temp_path() / "events.csv"));
    // Simulate a failing run: leave without commit().
  }
  CHECK_FALSE(fs::exists(final_dir));
  CHECK(fs::is_empty(dir.root / "runs"));
}

TEST_CASE("output dir: commit creates, then replaces an existing output", "[output]") {
  ScratchDir dir("outdir-commit");
  const fs::path final_dir = dir.root / "out";
  {
    ecsim::AtomicOutputDir out(final_dir / "");  // a trailing slash names the same directory
    write_plain_file(out.path("old.csv"), "old\n");
    out.commit();
    CHECK(out.committed());
  }
  CHECK(read_file(final_dir / "old.csv") == "old\n");
  {
    ecsim::AtomicOutputDir out(final_dir);
    write_plain_file(out.path("new.csv"), "new\n");
    CHECK(read_file(final_dir / "old.csv") == "old\n");  // untouched until commit
    out.commit();
  }
  CHECK(read_file(final_dir / "new.csv") == "new\n");
  CHECK_FALSE(fs::exists(final_dir / "old.csv"));
  CHECK(fs::exists(final_dir / ecsim::kOutputMarkerFile));
  // No temporary or old siblings remain.
  CHECK(dir.entries() == std::vector<std::string>{"out"});
}

TEST_CASE("output dir: an empty existing directory is replaced", "[output]") {
  ScratchDir dir("outdir-empty");
  fs::create_directories(dir.root / "out");
  ecsim::AtomicOutputDir out(dir.root / "out");
  write_plain_file(out.path("a.csv"), "a\n");
  out.commit();
  CHECK(read_file(dir.root / "out" / "a.csv") == "a\n");
}

TEST_CASE("output dir: refuses to replace a directory ecsim did not write", "[output]") {
  ScratchDir dir("outdir-foreign");
  fs::create_directories(dir.root / "home");
  write_plain_file(dir.root / "home" / "thesis.tex", "precious\n");
  CHECK_THROWS_AS(ecsim::AtomicOutputDir(dir.root / "home"), std::runtime_error);
  CHECK(read_file(dir.root / "home" / "thesis.tex") == "precious\n");
  CHECK(dir.entries() == std::vector<std::string>{"home"});
  CHECK_THROWS_AS(ecsim::AtomicOutputDir(dir.root / "."), std::runtime_error);
  write_plain_file(dir.root / "file", "x");
  CHECK_THROWS_AS(ecsim::AtomicOutputDir(dir.root / "file"), std::runtime_error);
}

TEST_CASE("output dir: file names must be relative", "[output]") {
  ScratchDir dir("outdir-names");
  ecsim::AtomicOutputDir out(dir.root / "out");
  CHECK(out.path("summary.csv") == out.temp_path() / "summary.csv");
  CHECK_THROWS_AS(out.path("/etc/passwd"), std::invalid_argument);
}

TEST_CASE("output dir: write_file_atomic replaces a file whole", "[output]") {
  ScratchDir dir("write-atomic");
  const fs::path file = dir.root / "sub" / "summary.csv";
  ecsim::write_file_atomic(file, "metric,value\n");
  CHECK(read_file(file) == "metric,value\n");
  ecsim::write_file_atomic(file, "metric,value\nlost_writes,0\n");
  CHECK(read_file(file) == "metric,value\nlost_writes,0\n");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.root / "sub")) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"summary.csv"});
}
