// Shared builders for the unit tests: node configs, messages, queries over
// Effects, scenarios from inline JSON or from the scenarios/ folder, and a
// node-factory wrapper for broken test doubles. Header-only, test code only.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkers/violation.hpp"
#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"
#include "paxos/effects.hpp"
#include "paxos/message.hpp"
#include "paxos/node.hpp"
#include "sim/scenario.hpp"

namespace paxsim::test {

// ---------------------------------------------------------------- configs

inline NodeConfig config(NodeId self, std::uint32_t nodes, LearningMode learning = LearningMode::decide,
                         std::initializer_list<Bug> bugs = {}) {
  NodeConfig cfg;
  cfg.self = self;
  cfg.nodes = nodes;
  cfg.learning = learning;
  for (Bug b : bugs) cfg.bugs.enable(b);
  return cfg;
}

// Ballot (round, node index); `ballot(3, 1)` is printed "(3,n2)".
constexpr Ballot ballot(std::uint64_t round, NodeId node) { return Ballot{round, node}; }

// ---------------------------------------------------------------- messages

inline Message message(MsgKind kind, EndpointId from, EndpointId to, Ballot b = {}, Value v = {},
                       Ballot accepted_ballot = {}) {
  Message m;
  m.kind = kind;
  m.from = from;
  m.to = to;
  m.slot = 0;
  m.ballot = b;
  m.value = std::move(v);
  m.accepted_ballot = accepted_ballot;
  return m;
}

inline Message prepare(EndpointId from, EndpointId to, Ballot b) { return message(MsgKind::prepare, from, to, b); }
inline Message accept(EndpointId from, EndpointId to, Ballot b, Value v) {
  return message(MsgKind::accept, from, to, b, std::move(v));
}
inline Message accepted(EndpointId from, EndpointId to, Ballot b, Value v) {
  return message(MsgKind::accepted, from, to, b, std::move(v));
}
inline Message nack(EndpointId from, EndpointId to, Ballot promised) {
  return message(MsgKind::nack, from, to, promised);
}
// A promise for `b`; `acc`/`v` is the acceptor's highest acceptance (null: none).
inline Message promise(EndpointId from, EndpointId to, Ballot b, Ballot acc = {}, Value v = {}) {
  return message(MsgKind::promise, from, to, b, std::move(v), acc);
}
inline Message learn_request(EndpointId from, EndpointId to) { return message(MsgKind::learn_request, from, to); }
inline Message decide(EndpointId from, EndpointId to, Ballot b, Value v) {
  return message(MsgKind::decide, from, to, b, std::move(v));
}

// ---------------------------------------------------------------- records

inline Record promise_record(Ballot b) { return Record{RecordKind::promise, 0, b, {}}; }
inline Record accept_record(Ballot b, Value v) { return Record{RecordKind::accept, 0, b, std::move(v)}; }
inline Record round_record(Ballot b) { return Record{RecordKind::proposer_round, 0, b, {}}; }
inline Record decided_record(Ballot b, Value v) { return Record{RecordKind::decided, 0, b, std::move(v)}; }

// ---------------------------------------------------------------- queries over Effects

inline std::vector<Outgoing> sends_of(const Effects& e, MsgKind kind) {
  std::vector<Outgoing> out;
  for (const Outgoing& o : e.send)
    if (o.msg.kind == kind) out.push_back(o);
  return out;
}

// The destinations of every `kind` message, sorted.
inline std::vector<EndpointId> destinations(const Effects& e, MsgKind kind) {
  std::vector<EndpointId> to;
  for (const Outgoing& o : sends_of(e, kind)) to.push_back(o.msg.to);
  std::sort(to.begin(), to.end());
  return to;
}

// 0..n-1, optionally without `skip`.
inline std::vector<EndpointId> all_nodes(std::uint32_t n, NodeId skip = k_no_node) {
  std::vector<EndpointId> v;
  for (NodeId i = 0; i < n; ++i)
    if (i != skip) v.push_back(i);
  return v;
}

inline std::vector<TimerRequest> timers_of(const Effects& e, TimerKind kind) {
  std::vector<TimerRequest> out;
  for (const TimerRequest& t : e.timers)
    if (t.kind == kind) out.push_back(t);
  return out;
}

inline std::vector<Record> records_of(const Effects& e, RecordKind kind) {
  std::vector<Record> out;
  for (const Record& r : e.persist)
    if (r.kind == kind) out.push_back(r);
  return out;
}

// The one message of `kind` in `e`; fails the test when there is not exactly one.
inline Message only_send(const Effects& e, MsgKind kind) {
  const auto s = sends_of(e, kind);
  REQUIRE(s.size() == 1);
  return s.front().msg;
}

// ---------------------------------------------------------------- scenarios

inline sim::Scenario scenario_from_json(const char* text) {
  return cli::parse_scenario(nlohmann::json::parse(text), "inline-test");
}

inline sim::Scenario synod_scenario_file(const std::string& name) {
  return cli::load_scenario(std::string(PAXSIM_SOURCE_DIR) + "/scenarios/synod/" + name, {});
}

// A scenario for direct checker tests: only the node count matters to them.
inline sim::Scenario scenario_with_nodes(std::uint32_t nodes) {
  sim::Scenario s;
  s.name = "checker-unit";
  s.nodes = nodes;
  return s;
}

inline bool reported(const checkers::ViolationSink& sink, const std::string& invariant) {
  const auto& v = sink.first_of_each();
  return std::any_of(v.begin(), v.end(), [&](const checkers::Violation& x) { return x.invariant == invariant; });
}

inline const checkers::Violation* violation_of(const checkers::ViolationSink& sink, const std::string& invariant) {
  for (const checkers::Violation& v : sink.first_of_each())
    if (v.invariant == invariant) return &v;
  return nullptr;
}

// Every fact in the violation's message and evidence, as one string to search.
inline std::string all_text(const checkers::Violation& v) {
  std::string s = v.message;
  for (const std::string& e : v.evidence) s += "\n" + e;
  return s;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace paxsim::test
