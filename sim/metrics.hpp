#pragma once
// A run's summary metrics by name (summary.csv rows, expect: operands).
// NaN = does not apply to this run.
#include <map>
#include <string>

namespace ecsim {

using MetricMap = std::map<std::string, double>;

}  // namespace ecsim
