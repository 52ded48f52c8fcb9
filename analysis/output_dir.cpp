#include "analysis/output_dir.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>   // AT_FDCWD
#include <pthread.h>
#include <unistd.h>  // getpid

namespace ecsim {

namespace fs = std::filesystem;

namespace {

fs::path with_suffix(const fs::path& p, std::string_view suffix) {
  fs::path result = p;
  result += fmt::format("{}-{}", suffix, static_cast<long>(::getpid()));
  return result;
}

[[noreturn]] void fail(std::string_view what, const fs::path& p, const std::error_code& ec) {
  throw std::runtime_error(fmt::format("{} '{}': {}", what, p.string(), ec.message()));
}

// Empty, or written by ecsim (holds the marker file).
bool is_replaceable(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / kOutputMarkerFile, ec)) return true;
  return fs::is_empty(dir, ec) && !ec;
}

void check_replaceable(const fs::path& final_dir) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(final_dir, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status))
    throw std::runtime_error(fmt::format(
        "output directory '{}' exists and is not a directory; remove it or choose another output dir",
        final_dir.string()));
  if (!is_replaceable(final_dir))
    throw std::runtime_error(fmt::format(
        "refusing to replace output directory '{}': it is not empty and was not written by ecsim "
        "(no {} file); remove it or choose another output dir",
        final_dir.string(), kOutputMarkerFile));
}

// Swaps two existing paths atomically where the OS offers it; false if not supported.
bool exchange_paths(const fs::path& a, const fs::path& b) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  if (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP) return false;  // fall back
  throw std::runtime_error(
      fmt::format("cannot replace output directory '{}': {}", b.string(), std::strerror(errno)));
#else
  (void)a;
  (void)b;
  return false;
#endif
}

// Temporary directories of the live AtomicOutputDir objects. The mutex also
// covers commit(), so an interrupt never removes a directory mid-rename.
std::mutex& temp_dirs_mutex() {
  static std::mutex m;
  return m;
}
std::vector<fs::path>& temp_dirs() {
  static std::vector<fs::path> dirs;
  return dirs;
}

void unregister_temp_dir(const fs::path& p) {
  auto& dirs = temp_dirs();
  const auto it = std::find(dirs.begin(), dirs.end(), p);
  if (it != dirs.end()) dirs.erase(it);
}

// Removes `<final>.tmp-<pid>` directories whose process is gone (a run
// killed by SIGKILL, a crash, a power loss). Only directories that are empty
// or hold the marker file: ecsim's own. Best effort.
void remove_stale_temp_dirs(const fs::path& final_dir) {
  const fs::path parent = final_dir.has_parent_path() ? final_dir.parent_path() : fs::path(".");
  const std::string prefix = final_dir.filename().string() + ".tmp-";
  std::error_code ec;
  fs::directory_iterator it(parent, ec), end;
  std::vector<fs::path> stale;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    long pid = 0;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    const auto [ptr, err] = std::from_chars(first, last, pid);
    if (err != std::errc() || ptr != last || pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask)
    std::error_code e;
    if (!fs::is_directory(fs::symlink_status(it->path(), e)) || !is_replaceable(it->path())) continue;
    stale.push_back(it->path());
  }
  for (const fs::path& p : stale) fs::remove_all(p, ec);
}

}  // namespace

AtomicOutputDir::AtomicOutputDir(fs::path final_dir) {
  // "out/x/" has an empty filename; the siblings must be "out/x.tmp-..", not "out/x/.tmp-..".
  final_ = final_dir.lexically_normal();
  if (!final_.has_filename()) final_ = final_.parent_path();
  const std::string name = final_.filename().string();
  if (final_.empty() || name == "." || name == "..")
    throw std::runtime_error(fmt::format("'{}' cannot be an output directory: it would replace a "
                                         "directory in use; name a subdirectory instead",
                                         final_dir.string()));
  check_replaceable(final_);
  temp_ = with_suffix(final_, ".tmp");
  std::error_code ec;
  if (final_.has_parent_path()) {
    fs::create_directories(final_.parent_path(), ec);
    if (ec) fail("cannot create directory", final_.parent_path(), ec);
  }
  fs::remove_all(temp_, ec);  // stale, from a crashed process that had our pid
  if (ec) fail("cannot remove stale temporary directory", temp_, ec);
  remove_stale_temp_dirs(final_);
  {
    const std::lock_guard lock(temp_dirs_mutex());
    fs::create_directory(temp_, ec);
    if (ec) fail("cannot create directory", temp_, ec);
    temp_dirs().push_back(temp_);
  }
  write_file_atomic(temp_ / kOutputMarkerFile,
                    "This directory was written by ecsim; the next run with the same output\n"
                    "directory replaces it as a whole.\n");
}

AtomicOutputDir::~AtomicOutputDir() {
  if (committed_) return;
  const std::lock_guard lock(temp_dirs_mutex());
  std::error_code ec;
  fs::remove_all(temp_, ec);  // best effort: a destructor cannot report failure
  unregister_temp_dir(temp_);
}

fs::path AtomicOutputDir::path(std::string_view file_name) const {
  const fs::path relative(file_name);
  if (relative.empty() || relative.is_absolute())
    throw std::invalid_argument(
        fmt::format("output file name '{}' must be a relative path inside the output directory", file_name));
  return temp_ / relative;
}

void AtomicOutputDir::commit() {
  if (committed_) throw std::logic_error(fmt::format("output directory '{}' committed twice", final_.string()));
  const std::lock_guard lock(temp_dirs_mutex());
  // From here the temporary directory is on its way into place: an interrupt
  // waits for the rename; if this throws, the destructor removes it.
  check_replaceable(final_);  // again: something may have appeared during the run
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(final_, ec))) {
    fs::rename(temp_, final_, ec);
    if (ec) fail("cannot create output directory", final_, ec);
    committed_ = true;
    unregister_temp_dir(temp_);
    return;
  }
  if (exchange_paths(temp_, final_)) {
    committed_ = true;
    unregister_temp_dir(temp_);
    fs::remove_all(temp_, ec);  // now holds the old contents
    if (ec) fail("replaced output directory, but cannot remove the old contents at", temp_, ec);
    return;
  }
  const fs::path old = with_suffix(final_, ".old");
  fs::remove_all(old, ec);
  fs::rename(final_, old, ec);
  if (ec) fail("cannot move aside old output directory", final_, ec);
  fs::rename(temp_, final_, ec);
  if (ec) {
    std::error_code restore_ec;
    fs::rename(old, final_, restore_ec);  // put the old output back
    fail("cannot replace output directory", final_, ec);
  }
  committed_ = true;
  unregister_temp_dir(temp_);
  fs::remove_all(old, ec);
  if (ec) fail("replaced output directory, but cannot remove the old contents at", old, ec);
}

ScratchDir::ScratchDir(const fs::path& parent, std::string_view prefix)
    : path_(parent / fmt::format("{}.tmp-{}", prefix, static_cast<long>(::getpid()))) {
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) fail("cannot create directory", parent, ec);
  fs::remove_all(path_, ec);  // stale, from a crashed process that had our pid
  const std::lock_guard lock(temp_dirs_mutex());
  fs::create_directory(path_, ec);
  if (ec) fail("cannot create scratch directory", path_, ec);
  temp_dirs().push_back(path_);
}

ScratchDir::~ScratchDir() {
  const std::lock_guard lock(temp_dirs_mutex());
  std::error_code ec;
  fs::remove_all(path_, ec);  // best effort: a destructor cannot report failure
  unregister_temp_dir(path_);
}

void write_file_atomic(const fs::path& path, std::string_view contents) {
  std::error_code ec;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail("cannot create directory", path.parent_path(), ec);
  }
  const fs::path temp = with_suffix(path, ".tmp");
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr)
    throw std::runtime_error(fmt::format("cannot create '{}': {}", temp.string(), std::strerror(errno)));
  const bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
  const int write_errno = errno;
  // fclose flushes; a full disk may only show here.
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    const int error = !written ? write_errno : errno;
    fs::remove(temp, ec);
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path.string(), std::strerror(error)));
  }
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code remove_ec;
    fs::remove(temp, remove_ec);
    fail("cannot write", path, ec);
  }
}

void install_interrupt_cleanup() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) return;  // keep the default behaviour
  std::thread([set] {
    int sig = 0;
    while (::sigwait(&set, &sig) != 0) {
    }
    {
      // Held until _exit: no AtomicOutputDir can commit or register after this.
      temp_dirs_mutex().lock();
      for (const fs::path& p : temp_dirs()) {
        // A writer may add a file while the directory is removed; retry.
        std::error_code ec;
        for (int attempt = 0; attempt < 5 && fs::exists(fs::symlink_status(p, ec)); ++attempt) fs::remove_all(p, ec);
      }
    }
    std::fflush(nullptr);
    ::_exit(128 + sig);
  }).detach();
}

}  // namespace ecsim
