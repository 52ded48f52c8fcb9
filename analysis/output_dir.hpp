#pragma once
// All-or-nothing output: a run writes into a temporary sibling directory and
// commit() swaps it into place, so a failed or interrupted run never leaves
// a half-written output directory that looks complete.
//
// Safety: replacing a directory deletes its old contents. An existing
// directory is replaced only if it is empty or was written by ecsim (it holds
// the marker file kOutputMarkerFile); otherwise the constructor refuses,
// before the run starts. Without this, "--out ." or "--out ~" would delete
// the user's files.
#include <filesystem>
#include <string_view>

namespace ecsim {

// Written into every output directory; its presence allows replacing it.
inline constexpr std::string_view kOutputMarkerFile = ".ecsim-output";

class AtomicOutputDir {
 public:
  // Creates the parents of `final_dir` and the empty temporary directory
  // `<final_dir>.tmp-<pid>` (removing a stale one left by a crashed process
  // with the same pid, and those of processes no longer alive: a
  // `<final_dir>.tmp-<N>` directory, empty or holding the marker file, whose
  // pid N does not exist). While it lives, the temporary directory is
  // registered for install_interrupt_cleanup(). Throws std::runtime_error if `final_dir` exists and
  // is not replaceable (see above) or if the directories cannot be created.
  // Two live objects for the same final_dir in one process are not supported.
  explicit AtomicOutputDir(std::filesystem::path final_dir);
  // Without commit(): removes the temporary directory and everything in it.
  ~AtomicOutputDir();
  AtomicOutputDir(const AtomicOutputDir&) = delete;
  AtomicOutputDir& operator=(const AtomicOutputDir&) = delete;

  // Where to write `file_name` (a relative path; subdirectories are the
  // caller's to create) before commit().
  std::filesystem::path path(std::string_view file_name) const;

  // Replaces final_dir with the temporary directory. On Linux this is one
  // atomic renameat2(RENAME_EXCHANGE); elsewhere, or on file systems without
  // it, final_dir is renamed to <final_dir>.old-<pid>, the temporary
  // directory renamed into place, and the old one removed (a reader may see
  // final_dir missing for an instant, never half-written). Throws
  // std::runtime_error; may be called once.
  void commit();

  bool committed() const { return committed_; }
  const std::filesystem::path& final_path() const { return final_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// A directory for scratch files (the streaming history checker's
// partitions): `<parent>/<prefix>.tmp-<pid>`, created empty, removed with
// everything in it when the object is destroyed (normal exit, an exception)
// and, while it lives, by install_interrupt_cleanup() on SIGINT and SIGTERM.
class ScratchDir {
 public:
  // Throws std::runtime_error when the directory cannot be created.
  ScratchDir(const std::filesystem::path& parent, std::string_view prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `contents` to `<path>.tmp-<pid>` and renames it over `path`, so
// readers see the old file or the new one, never a partial one. Creates
// missing parent directories. Throws std::runtime_error.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// SIGINT and SIGTERM (Ctrl-C, `timeout`, a batch system's kill) remove the
// temporary directories of the live AtomicOutputDir and ScratchDir objects, then the
// process exits with status 128 + signal. Call once, from main() before any
// other thread exists: it blocks both signals in the calling thread (threads
// created later inherit the mask) and waits for them in a dedicated thread,
// so the cleanup runs in ordinary code, not in a signal handler. The mask is
// inherited by child processes too: commands that start other programs
// (plot's gnuplot) should not call it.
void install_interrupt_cleanup();

}  // namespace ecsim
