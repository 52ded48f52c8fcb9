#pragma once
// Command-line plumbing shared by `ecsim sweep`, `ecsim analyze` and
// `ecsim plot`: Boost.Program_options with positional arguments, a
// did-you-mean for mistyped options, and one exit-status convention.
// Includes Boost: include it only from the command .cpp files.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

namespace ecsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // an assertion failed / a difference was found
inline constexpr int kExitBadInput = 2;  // bad input or usage; never a crash

struct ParsedArgs {
  boost::program_options::variables_map vm;
  std::vector<std::string> positional;
};

// Parses `args` against `options`; the non-option arguments land in
// `positional`. Throws boost::program_options::error, with a did-you-mean
// for an unknown option ("unrecognised option '--jbos' (did you mean '--jobs'?)").
ParsedArgs parse_args(const boost::program_options::options_description& options, const std::vector<std::string>& args);

// "I/N" of --shard (1 <= I <= N): {I, N}. Throws boost::program_options::error.
std::pair<unsigned, unsigned> parse_shard(const std::string& text);

// `s` as one shell word: unchanged when it needs no quoting, else in single
// quotes (for the reproduce commands runs and sweeps print).
std::string shell_quote(const std::string& s);

// Runs `body`, printing errors the ecsim way and mapping them to exit status 2:
// ScenarioError and InputError as "file:line:col: error: ...", option errors with a pointer
// to --help, anything else as "ecsim COMMAND: error: ...".
int run_command(const std::string& command, const std::function<int()>& body);

}  // namespace ecsim::cli
