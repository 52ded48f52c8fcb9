#include "app/command_line.hpp"

#include <iostream>

#include <fmt/format.h>

#include "analysis/input_error.hpp"
#include "sim/did_you_mean.hpp"
#include "sim/scenario_loader.hpp"

namespace po = boost::program_options;

namespace ecsim::cli {

ParsedArgs parse_args(const po::options_description& options, const std::vector<std::string>& args) {
  po::options_description all;
  all.add(options);
  all.add_options()("positional__", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("positional__", -1);
  ParsedArgs p;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), p.vm);
  } catch (const po::unknown_option& e) {
    std::vector<std::string> names;
    for (const auto& o : options.options()) {
      if (!o->long_name().empty()) names.push_back("--" + o->long_name());
    }
    const std::string hint = did_you_mean(e.get_option_name(), names);
    throw po::error(std::string(e.what()) + hint);
  }
  po::notify(p.vm);
  if (p.vm.count("positional__")) p.positional = p.vm["positional__"].as<std::vector<std::string>>();
  return p;
}

std::string shell_quote(const std::string& s) {
  if (s.find_first_of(" \t'\"$`\\!*?;&|<>(){}") == std::string::npos && !s.empty()) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run_command(const std::string& command, const std::function<int()>& body) {
  try {
    return body();
  } catch (const ScenarioError& e) {
    std::cerr << e.what() << "\n";
  } catch (const InputError& e) {  // a CSV file (analysis/csv_reader.hpp)
    std::cerr << e.what() << "\n";
  } catch (const po::error& e) {
    std::cerr << fmt::format("ecsim {}: {}\n(try 'ecsim {} --help')\n", command, e.what(), command);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("ecsim {}: error: {}\n", command, e.what());
  }
  return kExitBadInput;
}

std::pair<unsigned, unsigned> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  unsigned i = 0, n = 0;
  bool ok = slash != std::string::npos;
  try {
    std::size_t used = 0;
    if (ok) {
      i = static_cast<unsigned>(std::stoul(text.substr(0, slash), &used));
      ok = used == slash;
      n = static_cast<unsigned>(std::stoul(text.substr(slash + 1), &used));
      ok = ok && used == text.size() - slash - 1;
    }
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) throw boost::program_options::error(fmt::format("--shard expects I/N such as 2/8, got '{}'", text));
  if (n < 1 || i < 1 || i > n)
    throw boost::program_options::error(fmt::format("--shard {}: shards count from 1, so I must be between 1 and N", text));
  return {i, n};
}

}  // namespace ecsim::cli
