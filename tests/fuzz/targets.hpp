#pragma once
// What the fuzz driver feeds its inputs to (tests/fuzz/README.md): the
// scenario loader as `ecsim validate` runs it, and the CSV history readers
// as `ecsim-check` and `ecsim analyze` run them. A target returns whether the
// input was accepted or rejected with a proper error; anything else (another
// exception, an error without a location) throws FuzzFinding. Crashes and
// sanitizer reports end the process; hangs are caught by the driver.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ecsim::fuzz {

enum class Verdict { accepted, rejected };

class FuzzFinding : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `text` to DIR/fuzz.yaml and validates it (modules, loader,
// runnable checks, every expect: assertion parsed); an accepted scenario's
// resolved configuration must load again and resolve to the same text.
Verdict scenario_target(std::string_view text, const std::filesystem::path& dir);

// `text` holds up to three CSV files separated by lines "--- applied.csv"
// and "--- events.csv" (before the first separator: ops.csv). Reads the
// history as ecsim-check does and checks its sessions, then analyses the
// traces as `ecsim analyze` does.
Verdict history_target(std::string_view text, const std::filesystem::path& dir);

}  // namespace ecsim::fuzz
