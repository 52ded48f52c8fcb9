#include "protocols/sagas/checker.hpp"

#include "sim/state_hash.hpp"

#include <algorithm>

namespace ecsim {

SagaChecker::SagaChecker(const SagaSpec& spec) : spec_(spec) {
  sagas_.resize(static_cast<std::size_t>(spec_.count));
  effects_.resize(static_cast<std::size_t>(spec_.count) * spec_.steps.size());
  available_.assign(static_cast<std::size_t>(spec_.products), spec_.stock);
  min_available_ = spec_.stock;
}

SagaChecker::Saga* SagaChecker::saga(std::uint64_t id) {
  if (id == 0 || id > sagas_.size()) return nullptr;
  return &sagas_[id - 1];
}

void SagaChecker::on_saga(const SagaEvent& e) {
  Saga* s = saga(e.saga);
  if (!s) return;
  const std::size_t steps = spec_.steps.size();
  switch (e.kind) {
    case SagaEventKind::submitted:
      s->orchestrator = e.node;
      s->start_ns = e.time;
      ++arrived_;
      ++submitted_;
      break;
    case SagaEventKind::rejected:
      s->orchestrator = e.node;
      s->rejected = true;
      ++arrived_;
      break;
    case SagaEventKind::resent: ++s->resends; break;
    case SagaEventKind::recovered: ++s->recovered; break;
    case SagaEventKind::step_failed:
      s->failed_step = static_cast<std::int32_t>(e.step);
      s->failure = std::string(e.detail);
      break;
    case SagaEventKind::ended:
      if (s->outcome == SagaOutcome::none) ++ended_;
      s->outcome = e.outcome;
      s->end_ns = e.time;
      break;
    case SagaEventKind::applied: {
      if (e.step >= steps) break;
      Effects& fx = effects_[(e.saga - 1) * steps + e.step];
      if (e.compensation) ++fx.compensation; else ++fx.forward;
      if (spec_.steps[e.step].action == SagaAction::reserve && e.product < available_.size()) {
        std::int64_t& a = available_[e.product];
        a += e.compensation ? e.quantity : -e.quantity;
        min_available_ = std::min(min_available_, a);
      }
      break;
    }
    case SagaEventKind::declined:
      if (e.detail == "out_of_stock") ++out_of_stock_;
      break;
    case SagaEventKind::suppressed:
    case SagaEventKind::refused: ++s->suppressed; break;
    case SagaEventKind::noop_compensation: break;
  }
}

bool SagaChecker::atomic(std::uint64_t id) const {
  const std::size_t steps = spec_.steps.size();
  bool committed = true, compensated = true;
  for (std::size_t i = 0; i < steps; ++i) {
    const Effects& fx = effects_[(id - 1) * steps + i];
    committed = committed && fx.forward == 1 && fx.compensation == 0;
    compensated = compensated && fx.forward == fx.compensation;
  }
  return committed || compensated;
}

SagaTotals SagaChecker::totals() const {
  SagaTotals t;
  const std::size_t steps = spec_.steps.size();
  for (std::uint64_t id = 1; id <= sagas_.size(); ++id) {
    const Saga& s = sagas_[id - 1];
    if (s.rejected) ++t.rejected;
    if (s.start_ns < 0) continue;
    ++t.submitted;
    const bool stuck = s.outcome == SagaOutcome::none;
    if (s.outcome == SagaOutcome::committed) ++t.committed;
    if (s.outcome == SagaOutcome::compensated) ++t.compensated;
    if (stuck) ++t.stuck;
    const bool ok = atomic(id);
    if (!ok) ++t.partial;
    if (!ok || stuck) ++t.not_atomic;
    t.resends += s.resends;
    t.duplicates_suppressed += s.suppressed;
    t.recovered += s.recovered;
    if (!stuck) t.durations_s.push_back(to_seconds(s.end_ns - s.start_ns));
    for (std::size_t i = 0; i < steps; ++i) {
      const Effects& fx = effects_[(id - 1) * steps + i];
      t.compensations += fx.compensation;
      if (spec_.steps[i].action != SagaAction::charge) continue;
      if (fx.forward > 1) ++t.double_charges;
      if (fx.compensation > 1) ++t.double_refunds;
      if (fx.compensation > fx.forward) t.refunds_without_charge += fx.compensation - fx.forward;
    }
  }
  for (std::int64_t a : available_) {
    if (a < 0) t.oversold_units += -a;
    t.sold_units += spec_.stock - a;
  }
  t.min_available = min_available_;
  t.out_of_stock = out_of_stock_;
  return t;
}

std::vector<SagaRow> SagaChecker::rows() const {
  std::vector<SagaRow> out;
  const std::size_t steps = spec_.steps.size();
  for (std::uint64_t id = 1; id <= sagas_.size(); ++id) {
    const Saga& s = sagas_[id - 1];
    if (s.start_ns < 0 && !s.rejected) continue;
    SagaRow r;
    r.saga = id;
    r.orchestrator = s.orchestrator;
    if (s.rejected) r.outcome = "rejected";
    else if (s.outcome == SagaOutcome::committed) r.outcome = "committed";
    else if (s.outcome == SagaOutcome::compensated) r.outcome = "compensated";
    else r.outcome = "stuck";
    if (s.failed_step >= 0) {
      r.failed_step = spec_.steps[static_cast<std::size_t>(s.failed_step)].service;
      r.failure = s.failure;
    }
    for (std::size_t i = 0; i < steps; ++i) {
      const Effects& fx = effects_[(id - 1) * steps + i];
      if (fx.forward > 0) ++r.steps_done;
      r.compensations += fx.compensation;
      if (spec_.steps[i].action == SagaAction::charge) {
        r.charges += fx.forward;
        r.refunds += fx.compensation;
      }
    }
    r.retries = s.resends;
    r.duplicates_suppressed = s.suppressed;
    r.start_ns = s.start_ns;
    r.end_ns = s.end_ns;
    r.atomic = atomic(id);  // a rejected saga never started: nothing happened, atomic
    out.push_back(std::move(r));
  }
  return out;
}

void SagaChecker::hash_state(StateHasher& h) const {
  h.add(sagas_.size());
  for (const Saga& s : sagas_) {
    h.add(s.orchestrator);
    h.add_signed(s.start_ns);
    h.add_signed(s.end_ns);
    h.add_bool(s.rejected);
    h.add(static_cast<std::uint64_t>(s.outcome));
    h.add_signed(s.failed_step);
    h.add_string(s.failure);
    h.add(s.resends);
    h.add(s.suppressed);
    h.add(s.recovered);
  }
  h.add(effects_.size());
  for (const Effects& e : effects_) {
    h.add(e.forward);
    h.add(e.compensation);
  }
  for (const std::int64_t a : available_) h.add_signed(a);
  h.add_signed(min_available_);
  for (const std::uint64_t v : {out_of_stock_, arrived_, submitted_, ended_}) h.add(v);
}

}  // namespace ecsim
