#pragma once
// `ecsim complete keys FILE`: the dotted paths `--set` accepts for FILE, one
// per line, for the bash completion (scripts/completion/ecsim.bash). Read from
// the file's resolved configuration, so they are exactly the keys the loader
// knows for that scenario (its modules' sections included), defaults and all.
// A hidden helper, not in `ecsim --help`: completion must never print errors,
// so a file that does not load prints nothing (exit 2).
#include <string>
#include <vector>

namespace ecsim {

// Every path of maps and values in a YAML document, parents before children,
// in document order: "topology", "topology.graph", ... Lists are not entered
// (`--set faults.0.at=...` needs an index, which a completion cannot guess).
std::vector<std::string> yaml_key_paths(const std::string& yaml_text);

int complete_command(const std::vector<std::string>& args);

}  // namespace ecsim
