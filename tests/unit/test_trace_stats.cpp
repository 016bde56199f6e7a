// `paxsim stats` on a hand-made trace whose figures are known: messages per
// decision, latency percentiles, leader changes, bytes persisted, messages
// by kind; and the trace reader's errors on bad input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cli/scenario_json.hpp"
#include "cli/trace_read.hpp"
#include "cli/trace_stats.hpp"

using paxsim::Time_us;
using paxsim::cli::compute_stats;
using paxsim::cli::InputError;
using paxsim::cli::percentile;
using paxsim::cli::read_trace_text;
using paxsim::cli::stats_json;
using paxsim::cli::TraceModel;

namespace {

// Three nodes and one client. Two slots are decided with 10 messages in all;
// four client operations take 2, 4, 7 and 100 ms; n1 leads, then n2 with a
// higher ballot, then n1 again with a still higher one (two changes); three
// records of 25 + 1, 25 + 0 and 25 + 3 bytes become durable.
const char* const k_trace = R"({"paxsim_trace":1,"minor":1,"scenario":"hand-made","seed":9,"bug":null,"protocol":"multi-paxos","nodes":3,"clients":1,"endpoints":["n1","n2","n3","c1"],"build":"test"}
{"step":0,"t_us":0,"kind":"start","sent":[{"id":1,"type":"client_request","from":"c1","to":"n1","slot":0,"ballot":[0,1],"request":1}],"requests":[{"id":101,"event":"open","at":"c1"}]}
{"step":1,"t_us":1000,"kind":"deliver","node":"n1","msg":{"id":1,"type":"client_request","from":"c1","to":"n1","slot":0,"ballot":[0,1],"request":1},"sent":[{"id":2,"type":"accept","from":"n1","to":"n2","slot":1,"ballot":[1,1],"value":"x"},{"id":3,"type":"accept","from":"n1","to":"n3","slot":1,"ballot":[1,1],"value":"x","dropped":true}],"state":{"n1":{"up":true,"paused":false,"promised":[1,1],"accepted":null,"leads":true,"lead_ballot":[1,1],"learned":0}},"requests":[{"id":102,"event":"open","at":"c1"}]}
{"kind":"dropped_at_send","t_us":1000,"step":1,"msg":{"id":3,"type":"accept","from":"n1","to":"n3","slot":1,"ballot":[1,1],"value":"x"}}
{"step":2,"t_us":2000,"kind":"durable","node":"n2","record":{"type":"accept","slot":1,"ballot":[1,1],"value":"x","bytes":26},"requests":[{"id":101,"event":"done"}]}
{"step":3,"t_us":3000,"kind":"deliver","node":"n2","msg":{"id":2,"type":"accept","from":"n1","to":"n2","slot":1,"ballot":[1,1],"value":"x"},"sent":[{"id":4,"type":"accepted","from":"n2","to":"n1","slot":1,"ballot":[1,1],"value":"x"},{"id":5,"type":"heartbeat","from":"n2","to":"n3","slot":0,"ballot":[1,1],"commit":0}],"learned":[{"node":"n2","slot":1,"value":"x"}]}
{"step":4,"t_us":5000,"kind":"lost","node":"n3","loss":"partition","msg":{"id":5,"type":"heartbeat","from":"n2","to":"n3","slot":0,"ballot":[1,1],"commit":0},"requests":[{"id":102,"event":"done"},{"id":103,"event":"open","at":"c1"}],"state":{"n2":{"up":true,"paused":false,"promised":[2,2],"accepted":null,"leads":true,"lead_ballot":[2,2],"learned":1}}}
{"step":5,"t_us":6000,"kind":"deliver","node":"n1","msg":{"id":4,"type":"accepted","from":"n2","to":"n1","slot":1,"ballot":[1,1],"value":"x"},"sent":[{"id":6,"type":"decide","from":"n1","to":"n2","slot":1,"ballot":[1,1],"value":"x"},{"id":7,"type":"decide","from":"n1","to":"n3","slot":1,"ballot":[1,1],"value":"x"}],"state":{"n1":{"up":true,"paused":false,"promised":[2,2],"accepted":null,"leads":false,"learned":1}}}
{"step":6,"t_us":7000,"kind":"durable","node":"n1","record":{"type":"promise","slot":0,"ballot":[2,2],"bytes":25}}
{"step":7,"t_us":9000,"kind":"deliver","node":"n2","msg":{"id":6,"type":"decide","from":"n1","to":"n2","slot":1,"ballot":[1,1],"value":"x"},"requests":[{"id":104,"event":"open","at":"c1"}],"sent":[{"id":8,"type":"prepare","from":"n2","to":"n3","slot":2,"ballot":[2,2]}]}
{"step":8,"t_us":9500,"kind":"deliver","node":"n3","msg":{"id":7,"type":"decide","from":"n1","to":"n3","slot":1,"ballot":[1,1],"value":"x"},"sent":[{"id":9,"type":"promise","from":"n3","to":"n2","slot":2,"ballot":[2,2]},{"id":10,"type":"nack","from":"n3","to":"n1","slot":2,"ballot":[2,2]}]}
{"step":9,"t_us":9600,"kind":"deliver","node":"n3","msg":{"id":7,"type":"decide","from":"n1","to":"n3","slot":1,"ballot":[1,1],"value":"x","dup":true}}
{"step":10,"t_us":10000,"kind":"deliver","node":"n3","msg":{"id":8,"type":"prepare","from":"n2","to":"n3","slot":2,"ballot":[2,2]},"learned":[{"node":"n3","slot":2,"value":"y"}],"state":{"n1":{"up":false}}}
{"step":11,"t_us":12000,"kind":"fault","node":"n1","action":"restart","requests":[{"id":103,"event":"done"}],"state":{"n1":{"up":true,"paused":false,"promised":[3,1],"accepted":null,"leads":true,"lead_ballot":[3,1],"learned":1}}}
{"step":12,"t_us":50000,"kind":"durable","node":"n3","record":{"type":"decided","slot":2,"ballot":[2,2],"value":"abc","bytes":28}}
{"step":13,"t_us":109000,"kind":"deliver","node":"n2","msg":{"id":9,"type":"promise","from":"n3","to":"n2","slot":2,"ballot":[2,2]},"requests":[{"id":104,"event":"done"}]}
{"violation":{"invariant":"agreement","step":13,"t_us":109000,"message":"made up","evidence":[]}}
{"end":true,"verdict":"fail","fingerprint":"00","outcome":"violation","steps":13,"sim_time_us":109000,"decided_slots":2}
)";

}  // namespace

TEST_CASE("stats: a hand-made trace gives the known figures") {
  const TraceModel t = read_trace_text(k_trace, "hand-made.jsonl");
  CHECK(t.steps.size() == 14);  // the start line and 13 steps
  CHECK(t.messages.size() == 10);
  const auto s = compute_stats(t);
  CHECK(s.steps == 13);
  CHECK(s.sim_time_us == 109000);
  CHECK(s.decided_slots == 2);
  CHECK(s.messages_sent == 10);
  CHECK(s.messages_per_decision == doctest::Approx(5.0));
  // Delivered: 1, 2, 4, 6, 7 twice (one a duplicate), 8, 9; lost: 5; dropped
  // at send: 3; never arrived: 10.
  CHECK(s.delivered == 8);
  CHECK(s.duplicates == 1);
  CHECK(s.lost == 1);
  CHECK(s.dropped_at_send == 1);
  CHECK(s.never_arrived == 1);
  CHECK(s.by_kind.at("accept").sent == 2);
  CHECK(s.by_kind.at("accept").delivered == 1);
  CHECK(s.by_kind.at("accept").dropped_at_send == 1);
  CHECK(s.by_kind.at("decide").delivered == 3);
  CHECK(s.by_kind.at("decide").sent == 2);
  CHECK(s.by_kind.at("heartbeat").lost == 1);
  CHECK(s.by_kind.at("nack").delivered == 0);
  // Latencies 2, 4, 7 and 100 ms (nearest rank: p50 is the 2nd, p99 the 4th).
  CHECK(s.operations == "client operations");
  CHECK(s.ops_issued == 4);
  CHECK(s.ops_answered == 4);
  CHECK(s.latency.count == 4);
  CHECK(s.latency.p50_us == 4000);
  CHECK(s.latency.p99_us == 100000);
  CHECK(s.latency.max_us == 100000);
  CHECK(s.latency.mean_us == doctest::Approx(28250.0));
  // n1 (1,n1), then n2 (2,n2), then n1 (3,n1): three leaders, two changes.
  CHECK(s.leaders_elected == 3);
  CHECK(s.leader_changes == 2);
  CHECK(s.records_persisted == 3);
  CHECK(s.bytes_persisted == 26 + 25 + 28);
  CHECK(s.restarts == 1);
  CHECK(s.violations == 1);

  const auto j = stats_json(s);
  CHECK(j["messages_per_decision"] == 5.0);
  CHECK(j["operations"]["latency_ms"]["p99"] == 100.0);
  CHECK(j["messages"]["by_kind"]["accept"]["sent"] == 2);
  CHECK(j["leaders"]["changes"] == 2);
  CHECK(j["persisted"]["bytes"] == 79);
}

TEST_CASE("stats: the trace model pairs sends with arrivals and keeps node states") {
  const TraceModel t = read_trace_text(k_trace, "hand-made.jsonl");
  CHECK(t.lanes == std::vector<std::string>{"n1", "n2", "n3", "c1"});
  CHECK(t.nodes == 3);
  CHECK(t.clients == 1);
  REQUIRE(t.messages[6].arrivals.size() == 2);  // id 7: the decide to n3, duplicated
  CHECK_FALSE(t.messages[6].arrivals[0].dup);
  CHECK(t.messages[6].arrivals[1].dup);
  CHECK(t.messages[4].arrivals[0].lost);
  CHECK(t.messages[4].arrivals[0].reason == "partition");
  CHECK(t.messages[2].dropped_at_send);
  CHECK(t.steps[t.messages[0].send_index].step == 0);  // sent at boot
  REQUIRE(t.states[0].size() == 4);
  CHECK(t.states[0][2].state["up"] == false);
  CHECK(t.index_of_step(7) == 7);
  CHECK(t.index_of_step(99) == t.steps.size());
  CHECK(t.violations.size() == 1);
  REQUIRE(t.end);
  CHECK((*t.end)["verdict"] == "fail");
}

TEST_CASE("stats: percentiles by nearest rank") {
  std::vector<Time_us> v;
  CHECK(percentile(v, 0.5) == 0);
  for (Time_us i = 1; i <= 100; ++i) v.push_back(i);
  CHECK(percentile(v, 0.50) == 50);
  CHECK(percentile(v, 0.99) == 99);
  CHECK(percentile(v, 1.0) == 100);
  CHECK(percentile({7}, 0.99) == 7);
}

TEST_CASE("stats: a file that is not a readable trace is an InputError naming the line") {
  auto error_of = [](const std::string& text) -> std::string {
    try {
      read_trace_text(text, "t.jsonl");
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of("").find("not a paxsim trace") != std::string::npos);
  CHECK(error_of("{\"scenario\":1}\n").find("t.jsonl: line 1: not a paxsim trace") == 0);
  CHECK(error_of("{\"paxsim_trace\":2}\n").find("version 2") != std::string::npos);
  CHECK(error_of("{\"paxsim_trace\":1,\"scenario\":\"old\"}\n").find("no send records") != std::string::npos);
  const std::string head =
      R"({"paxsim_trace":1,"minor":1,"protocol":"synod","nodes":1,"clients":0,"endpoints":["n1"]})"
      "\n";
  CHECK(error_of(head + "not json\n").find("t.jsonl: line 2: not JSON") == 0);
  CHECK(error_of(head + R"({"step":1,"t_us":0,"kind":"deliver","node":"n1","msg":{"id":4}})" "\n")
            .find("never sent") != std::string::npos);
  CHECK(error_of(head + R"({"step":1,"t_us":0,"kind":"timer","node":"n7"})" "\n").find("unknown node") !=
        std::string::npos);
  CHECK(error_of(head + R"({"step":2,"t_us":5,"kind":"timer","node":"n1"})" "\n" +
                 R"({"step":1,"t_us":6,"kind":"timer","node":"n1"})" "\n")
            .find("line 3: steps out of order") != std::string::npos);
  CHECK(error_of(head + R"({"hello":1})" "\n").find("neither a step") != std::string::npos);
  CHECK(error_of(head).empty());
}
