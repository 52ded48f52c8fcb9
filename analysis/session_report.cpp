#include "analysis/session_report.hpp"

#include <fmt/format.h>

namespace ecsim {

void write_violations_csv(CsvWriter& out, const History& h, const SessionCheckResult* result) {
  out.header({"guarantee", "client", "session", "op", "key", "invoke_ns", "complete_ns", "replica", "version", "required",
              "ops_row", "cause_row", "inverted_at", "applied_ns"});
  if (!result) return;
  for (std::size_t g = 0; g < 4; ++g) {
    for (const Violation& v : result->by_guarantee[g].all) {
      const HistoryOp& op = h.op(v.op);
      out.field(kGuaranteeNames[g]).field(h.clients[h.session_client[op.session]]).field(h.session_number[op.session]);
      out.field(op.is_write ? "write" : "read").field(h.keys[op.key]).field(op.invoke_ns).field(op.complete_ns);
      if (op.replica == kNoId) out.empty_field(); else out.field(h.replicas[op.replica]);
      out.field(h.format(op.version)).field(h.format(v.required)).field(v.op + 1);
      if (v.cause == kNoId) out.empty_field(); else out.field(v.cause + 1);
      if (v.incarnation == kNoId) out.empty_field().empty_field();
      else out.field(h.replicas[h.incarnation_replica[v.incarnation]]).field(v.applied_ns);
      out.end_row();
    }
  }
}

void write_staleness_csv(CsvWriter& out, const StalenessResult* s) {
  out.header({"measure", "bound", "reads", "fraction"});
  if (!s) return;
  for (std::size_t k = 1; k < s->behind.size(); ++k) out.row("k", k, s->reads, s->k_fraction(k));
  for (const StalenessResult::Bucket& b : s->t_visibility) {
    if (b.reads == 0) continue;
    out.row("t_visibility", b.upper_s, b.reads, static_cast<double>(b.consistent) / static_cast<double>(b.reads));
  }
}

std::string format_session_summary(const History& h, const SessionCheckResult* result, const StalenessResult* s,
                                   std::size_t examples) {
  std::string out;
  if (result) {
    std::string counts;
    for (std::size_t g = 0; g < 4; ++g) {
      const GuaranteeResult& r = result->by_guarantee[g];
      if (!r.checked) continue;
      counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", kGuaranteeNames[g], r.violations);
      if (r.violations > 0) counts += fmt::format(" ({} of {} sessions)", r.sessions_affected, result->sessions);
    }
    out += fmt::format("  sessions      violations: {}\n", counts);
    if ((*result)[Guarantee::ryw].checked && result->ryw_client > (*result)[Guarantee::ryw].violations)
      out += fmt::format("                {} reads missed a write of another session of the same client\n", result->ryw_client);
    for (std::size_t g = 0; g < 4; ++g)
      for (std::size_t i = 0; i < result->by_guarantee[g].examples.size() && i < examples; ++i)
        out += "    " + describe_violation(h, result->by_guarantee[g].examples[i]) + "\n";
  }
  if (s && s->reads > 0)
    out += fmt::format("  staleness     of {} reads, {:.1f}% returned the newest committed version, {:.1f}% one of the newest 2\n",
                       s->reads, 100 * s->k_fraction(1), 100 * s->k_fraction(2));
  return out;
}

}  // namespace ecsim
