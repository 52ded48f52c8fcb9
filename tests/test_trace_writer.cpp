// TraceWriter: the exact bytes of a tiny events.csv and ops.csv written by
// hand from the observations fed to it (every row kind, empty fields, CSV
// quoting, the `receive` rows' version column), the hashes equal FNV-1a of
// those bytes, and a disabled trace writes nothing. Callbacks are called on
// the writer object itself.
#include <catch2/catch.hpp>

#include "test_util.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "analysis/csv_writer.hpp"
#include "analysis/trace_writer.hpp"

using namespace ecsim;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) { return ecsim::test::fresh_dir("trace-writer", name); }

using ecsim::test::slurp;

// (fmt, not "k" + std::to_string: GCC 12 -O2 warns -Wrestrict on that.)
std::string key_name(KeyId k) { return fmt::format("k{}", k); }

OpRecord op(std::string_view client, std::uint32_t session, std::string_view kind, std::string_view key,
            std::string_view value, SimTime invoke, SimTime complete, NodeId replica, bool ok, std::string_view version) {
  OpRecord r;
  r.client = client;
  r.session = session;
  r.op = kind;
  r.key = key;
  r.value = value;
  r.invoke_ns = invoke;
  r.complete_ns = complete;
  r.replica = replica;
  r.ok = ok;
  r.version = version;
  r.is_write = kind != "read";
  return r;
}

}  // namespace

TEST_CASE("trace writer: exact bytes of events.csv and ops.csv", "[trace_writer]") {
  const fs::path dir = fresh_dir("exact");
  TraceWriter w((dir / "events.csv").string(), (dir / "ops.csv").string(), {"n0", "n1"}, key_name);
  CHECK(w.wants_net_events());
  CHECK(w.wants_applied_versions());

  w.on_net(NetEvent{10, NetEventKind::send, 0, 1, 1, 100, ""});
  w.on_net(NetEvent{60, NetEventKind::deliver, 1, 0, 1, 100, ""});
  w.on_net(NetEvent{70, NetEventKind::drop, 0, 1, 2, 40, "loss"});
  w.on_net(NetEvent{75, NetEventKind::duplicate, 0, 1, 3, 40, ""});
  w.on_node(80, 1, NodeEventKind::crash, true);
  w.on_node(90, 1, NodeEventKind::restart, false);
  w.on_node(95, 0, NodeEventKind::timer, false);
  w.on_node(96, 0, NodeEventKind::clock_step, false);
  w.on_fault(100, FaultEventKind::partition, "n0 | n1");
  w.on_fault(110, FaultEventKind::flap_cut, "flapping n0 | n1");
  w.on_fault(115, FaultEventKind::flap_heal, "flapping n0 | n1");
  w.on_fault(120, FaultEventKind::heal, "all");
  w.on_fault(121, FaultEventKind::loss_start, "loss 0.5, duplicate 0.1");  // a comma: quoted
  w.on_fault(122, FaultEventKind::loss_end, "");
  w.on_version_applied(130, 0, 0, 5, "130@n0", 0);  // no row of its own: names write 5 for receive rows
  w.on_applied(130, 0, 0, 0xabc, StateRank{1, 2}, 5);
  w.on_version_applied(135, 1, 0, 5, "999@n9", 0);  // not the first apply of write 5: ignored
  w.on_write_received(140, 1, 0, 5);
  w.on_write_received(141, 1, 1, 9);  // a write never applied anywhere: no version
  w.on_state_lost(150, 1);
  OpRecord first = op("c0", 3, "write", "k0", "a,b", 120, 160, 0, true, "130@n0");
  first.seq = 4;  // the fourth op of its session; the others leave seq unknown (an empty cell)
  w.on_op(first);
  w.on_op(op("c1", 0, "read", "k1", "say \"hi\"", 170, 180, kNoNode, false, ""));
  w.on_op(op("c1", 1, "incr", "k1", "", 190, 190, 1, true, "L7@n1"));
  w.close();

  const std::string events =
      "time_ns,node,kind,peer,msg_id,key,bytes,version\n"
      "10,n0,send,n1,1,,100,\n"
      "60,n1,deliver,n0,1,,100,\n"
      "70,n0,drop,n1,2,loss,40,\n"
      "75,n0,duplicate,n1,3,,40,\n"
      "80,n1,crash,,,lose_state,,\n"
      "90,n1,restart,,,,,\n"
      "95,n0,timer,,,,,\n"
      "96,n0,clock_step,,,,,\n"
      "100,,partition,,,n0 | n1,,\n"
      "110,,partition,,,flapping n0 | n1,,\n"
      "115,,heal,,,flapping n0 | n1,,\n"
      "120,,heal,,,all,,\n"
      "121,,loss_start,,,\"loss 0.5, duplicate 0.1\",,\n"
      "122,,loss_end,,,,,\n"
      "130,n0,apply,,,k0,,\n"
      "140,n1,receive,,,k0,,130@n0\n"
      "141,n1,receive,,,k1,,\n"
      "150,n1,state_lost,,,,,\n";
  const std::string ops =
      "client,session,seq,op,key,value,invoke_ns,complete_ns,replica,ok,version\n"
      "c0,3,4,write,k0,\"a,b\",120,160,n0,true,130@n0\n"
      "c1,0,,read,k1,\"say \"\"hi\"\"\",170,180,,false,\n"
      "c1,1,,incr,k1,,190,190,n1,true,L7@n1\n";
  CHECK(slurp(dir / "events.csv") == events);
  CHECK(slurp(dir / "ops.csv") == ops);
  CHECK(w.events_hash() == fnv1a64(events));
  CHECK(w.ops_hash() == fnv1a64(ops));
}

TEST_CASE("trace writer: a path left empty disables that trace", "[trace_writer]") {
  const fs::path dir = fresh_dir("disabled");
  TraceWriter w("", (dir / "ops.csv").string(), {"n0"}, key_name);
  CHECK_FALSE(w.wants_net_events());
  CHECK_FALSE(w.wants_applied_versions());
  w.on_net(NetEvent{10, NetEventKind::send, 0, 0, 1, 100, ""});
  w.on_node(20, 0, NodeEventKind::crash, false);
  w.on_applied(30, 0, 0, 1, StateRank{}, 1);
  w.on_write_received(40, 0, 0, 1);
  w.on_op(op("c0", 0, "write", "k0", "v", 1, 2, 0, true, "1@n0"));
  w.close();
  CHECK(w.events_hash() == 0);
  CHECK(slurp(dir / "ops.csv") ==
        "client,session,seq,op,key,value,invoke_ns,complete_ns,replica,ok,version\n"
        "c0,0,,write,k0,v,1,2,n0,true,1@n0\n");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no events.csv

  TraceWriter none("", "", {"n0"}, key_name);
  none.on_op(op("c0", 0, "write", "k0", "v", 1, 2, 0, true, "1@n0"));
  none.close();
  CHECK(none.events_hash() == 0);
  CHECK(none.ops_hash() == 0);
}
