#pragma once
// Outputs of the history checks: violations.csv (every violating operation),
// staleness.csv (k-staleness and PBS t-visibility) and the lines of the
// human summary.
#include <string>

#include "analysis/csv_writer.hpp"
#include "analysis/session_checker.hpp"
#include "analysis/staleness.hpp"

namespace ecsim {

// `guarantee,client,session,op,key,invoke_ns,complete_ns,replica,version,required,ops_row,cause_row,inverted_at,applied_ns`
// one row per violation (all of them, by guarantee then invocation time);
// header only when nothing was checked.
void write_violations_csv(CsvWriter& out, const History& history, const SessionCheckResult* result);

// `measure,bound,reads,fraction`: measure k (bound = k: reads fewer than k
// versions behind) and t_visibility (bound = seconds since the newest
// committed version was acknowledged, upper end of the group: reads that
// returned it or newer).
void write_staleness_csv(CsvWriter& out, const StalenessResult* result);

// Summary lines ("  sessions      ..."), each ending in a newline; `examples`
// violating ops per guarantee.
std::string format_session_summary(const History& history, const SessionCheckResult* result,
                                   const StalenessResult* staleness, std::size_t examples = 3);

}  // namespace ecsim
