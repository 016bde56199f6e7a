// Record and replay of random decisions (sim/decisions.hpp): a run replayed
// from its own tape is the same run; recording changes nothing; a tape of any
// length or content gives one run; the "tape" key is validated like the rest
// of a scenario; and shrink pins and simplifies the tape.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "cli/mutate.hpp"
#include "cli/runner.hpp"
#include "cli/scenario_json.hpp"
#include "cli/shrink.hpp"
#include "helpers.hpp"

using namespace paxsim;
using namespace paxsim::cli;
using json = nlohmann::json;

namespace {

std::string source(const std::string& rel) { return std::string(PAXSIM_SOURCE_DIR) + "/" + rel; }

RunResult run_doc(const json& doc, sim::Tape* taken = nullptr) {
  RunOptions ro;
  ro.recent_steps = 0;
  ro.tape_out = taken;
  return run_scenario(parse_scenario(doc, "doc"), ro);
}

std::size_t decisions_in(const sim::Tape& t) {
  std::size_t n = 0;
  for (const auto& s : t) n += s.decisions.size();
  return n;
}

const sim::TapeStream* stream_of(const sim::Tape& t, const std::string& name) {
  for (const auto& s : t)
    if (s.stream == name) return &s;
  return nullptr;
}

std::string input_error(const json& doc) {
  try {
    parse_scenario(doc, "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("decisions: a run replayed from its own recorded tape gives the same fingerprint") {
  for (const char* file : {"scenarios/synod/nemesis.json", "scenarios/synod/lossy-duplicating.json",
                           "scenarios/synod/leader-crash.json", "scenarios/kv/nemesis.json",
                           "scenarios/kv/lossy-appends.json", "scenarios/locks/nemesis.json"}) {
    CAPTURE(file);
    const json doc = load_json_file(source(file));
    const RunResult plain = run_doc(doc);
    sim::Tape taken;
    const RunResult recorded = run_doc(doc, &taken);
    // Recording changes nothing.
    CHECK(recorded.fingerprint == plain.fingerprint);
    REQUIRE(decisions_in(taken) > 0);
    CHECK(stream_of(taken, "network") != nullptr);

    // Through JSON and back, as a scenario file holds it.
    json pinned = doc;
    pinned["tape"] = tape_to_json(taken);
    pinned = json::parse(scenario_text(pinned));
    sim::Tape parsed = parse_scenario(pinned, "pinned").tape;
    sim::Tape sorted = taken;  // a JSON object keeps its keys in order
    auto by_name = [](const auto& x, const auto& y) { return x.stream < y.stream; };
    std::sort(parsed.begin(), parsed.end(), by_name);
    std::sort(sorted.begin(), sorted.end(), by_name);
    CHECK(parsed == sorted);
    sim::Tape again;
    const RunResult replayed = run_doc(pinned, &again);
    CHECK(replayed.fingerprint == plain.fingerprint);
    CHECK(again == taken);  // every decision taken from the tape, none drawn
    CHECK(replayed.stats.steps == plain.stats.steps);

    // Another seed does not matter while the tape lasts: the whole run is pinned.
    json other = pinned;
    other["seed"] = doc.value("seed", 1) + 1000;
    CHECK(run_doc(other).fingerprint == plain.fingerprint);
  }
}

TEST_CASE("decisions: a cut or edited tape gives one run, every time") {
  const json doc = load_json_file(source("scenarios/synod/lossy-duplicating.json"));
  sim::Tape taken;
  const RunResult plain = run_doc(doc, &taken);
  json cut = doc;
  cut["tape"] = tape_to_json(taken);
  json& net = cut["tape"]["network"];
  REQUIRE(net.size() > 4);
  net.erase(net.begin() + static_cast<long>(net.size() / 2), net.end());
  // Past its end the seed's stream decides: deterministic.
  const RunResult a = run_doc(cut), b = run_doc(cut);
  CHECK(a.fingerprint == b.fingerprint);

  // Every message delivered once, as fast as the link allows: nothing lost at random.
  json simple = doc;
  simple["tape"] = tape_to_json(taken);
  for (auto& e : simple["tape"]["network"]) e = 0;
  sim::Tape simple_taken;
  const RunResult c = run_doc(simple, &simple_taken);
  const auto* s = stream_of(simple_taken, "network");
  REQUIRE(s);
  std::size_t pinned = simple["tape"]["network"].size();
  for (std::size_t i = 0; i < s->decisions.size() && i < pinned; ++i) {
    CHECK_FALSE(s->decisions[i].dropped);
    CHECK(s->decisions[i].copies == 1);
    CHECK(s->decisions[i].delay_us[0] == 1000);  // the link's delay_ms is uniform over [1, ...]
  }
  CHECK(run_doc(simple).fingerprint == c.fingerprint);

  // A drop where the link cannot lose does not apply: the seed decides instead.
  json basic = load_json_file(source("scenarios/synod/basic.json"));
  const RunResult basic_plain = run_doc(basic);
  basic["tape"] = json{{"network", json::array({"drop", "drop", "drop"})}};
  CHECK(run_doc(basic).fingerprint == basic_plain.fingerprint);
}

TEST_CASE("decisions: the tape key is validated, with its JSON path") {
  const json base = load_json_file(source("scenarios/synod/basic.json"));
  auto with = [&](json tape) {
    json d = base;
    d["tape"] = std::move(tape);
    return d;
  };
  CHECK(input_error(with(json{{"network", json::array({0, "drop", json::array({1, 2})})}, {"timers/n1", json::array({1.5, 3})}})) == "");
  CHECK(input_error(with(json::array())) == "t.json: /tape: expected an object, got an array");
  CHECK(input_error(with(json{{"timers/n9", json::array()}})).find("t.json: /tape/timers~1n9: no node \"n9\"") == 0);
  CHECK(input_error(with(json{{"radio", json::array()}})).find("t.json: /tape/radio: unknown stream \"radio\"") == 0);
  CHECK(input_error(with(json{{"client/c1", json::array()}})).find("the workload has no kv clients") != std::string::npos);
  CHECK(input_error(with(json{{"network", json::array({0, "lost"})}})).find("t.json: /tape/network/1: expected a message's fate") == 0);
  CHECK(input_error(with(json{{"network", json::array({-3})}})).find("t.json: /tape/network/0: must not be negative") == 0);
  CHECK(input_error(with(json{{"disk/n2", json::array({0.5, "x"})}})).find("t.json: /tape/disk~1n2/1: expected a decision") == 0);
  CHECK(input_error(with(json{{"disk/n2", json::array({-0.5})}})).find("t.json: /tape/disk~1n2/0: must be between") == 0);
  json sched = json::parse(R"({"schema_version": 1, "name": "x", "protocol": "synod", "nodes": 3,
      "workload": {"type": "propose", "proposals": [{"at_ms": 0, "node": "n1", "value": "A"}]}})");
  sched["schedule"] = json::array({json{{"propose", 0}}});
  sched["tape"] = json::object();
  CHECK(input_error(sched).find("/tape: a schedule pins every step") != std::string::npos);
  // kv clients have streams of their own.
  json kv = load_json_file(source("scenarios/kv/progress.json"));
  kv["tape"] = json{{"client/c1", json::array({0.25, 0})}};
  CHECK(input_error(kv) == "");
}

TEST_CASE("decisions: shrink pins the run's decisions and simplifies them, still failing") {
  // A planted bug found on a lossy, duplicating network.
  const json base = load_json_file(source("scenarios/synod/lossy-duplicating.json"));
  const sim::Scenario parsed = parse_scenario(base, "base");
  MutateOptions m;
  m.bug = "count-duplicate-acks";
  int shrunk = 0;
  for (std::uint64_t k = 0; k < 300 && shrunk < 2; ++k) {
    const json d = mutate_scenario(base, parsed, 7, k, m);
    const RunResult r = run_doc(d);
    if (r.pass) continue;
    const auto target = failure_target(r);
    REQUIRE(target);
    ShrinkOptions opt;
    opt.seconds = -1;
    const auto s = shrink_scenario(d, "gen", opt);
    REQUIRE(s);
    CAPTURE(k);
    CHECK(s->doc.contains("tape"));
    CHECK(s->size_after.events <= s->size_before.events);
    CHECK(s->size_after.losses <= s->size_before.losses);
    CHECK(s->size_after.faults() <= s->size_before.faults());
    CHECK(s->size_after.tape > 0);
    // Replays alone, from its text, failing the same way.
    const json text = json::parse(scenario_text(s->doc));
    const RunResult replay = run_doc(text);
    CHECK(reproduces(replay, *target));
    CHECK(replay.fingerprint == s->after.fingerprint);
    // Deterministic.
    const auto again = shrink_scenario(d, "gen", opt);
    REQUIRE(again);
    CHECK(again->doc == s->doc);
    // Without the tape passes it can only do as well or worse on losses.
    ShrinkOptions plain = opt;
    plain.tape = false;
    const auto untaped = shrink_scenario(d, "gen", plain);
    REQUIRE(untaped);
    CHECK_FALSE(untaped->doc.contains("tape"));
    CHECK(untaped->size_after.losses >= s->size_after.losses);
    ++shrunk;
  }
  CHECK(shrunk == 2);
}
