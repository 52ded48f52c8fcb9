#pragma once
// A typed observation channel a module declares for its own events (saga
// steps, reconciliation repairs, ...): the module's protocol publishes, its
// checkers and trace writers subscribe. The kernel carries none of these
// types; observers never steer the simulation.
#include <functional>
#include <utility>
#include <vector>

namespace ecsim {

template <class Event>
class Channel {
 public:
  using Listener = std::function<void(const Event&)>;
  void subscribe(Listener listener) { listeners_.push_back(std::move(listener)); }
  void publish(const Event& e) const {
    for (const Listener& l : listeners_) l(e);
  }
  bool has_listeners() const { return !listeners_.empty(); }

 private:
  std::vector<Listener> listeners_;
};

}  // namespace ecsim
