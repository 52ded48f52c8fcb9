// sim/strings.hpp: the one join, split_list and trim.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "sim/strings.hpp"

using Strings = std::vector<std::string>;

TEST_CASE("join puts the separator between items only", "[strings]") {
  CHECK(ecsim::join({}) == "");
  CHECK(ecsim::join({"a"}) == "a");
  CHECK(ecsim::join({"a", "b", "c"}) == "a, b, c");
  CHECK(ecsim::join({"a", "", "c"}, "; ") == "a; ; c");
}

TEST_CASE("split_list trims items and drops empty ones", "[strings]") {
  CHECK(ecsim::split_list("") == Strings{});
  CHECK(ecsim::split_list(" , ,") == Strings{});
  CHECK(ecsim::split_list("n0,n1") == Strings{"n0", "n1"});
  CHECK(ecsim::split_list(" n0, n1,,\tn2 ") == Strings{"n0", "n1", "n2"});
  CHECK(ecsim::split_list("ops.total, convergence time") == Strings{"ops.total", "convergence time"});
}

TEST_CASE("trim removes spaces and tabs at both ends", "[strings]") {
  static_assert(ecsim::trim(" \ta b\t ") == "a b");
  CHECK(ecsim::trim("").empty());
  CHECK(ecsim::trim(" \t ").empty());
  CHECK(ecsim::trim("x") == "x");
}
