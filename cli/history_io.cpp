#include "cli/history_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/scenario_json.hpp"

namespace paxsim::cli {

namespace {

using nlohmann::json;
using checkers::History;
using checkers::KvOp;
using checkers::Operation;

constexpr std::uintmax_t k_history_bytes_max = std::uintmax_t{1} << 30;
constexpr std::size_t k_line_bytes_max = std::size_t{64} << 20;
// Times up to about 146 years in microseconds: far from overflow when compared.
constexpr std::uint64_t k_time_us_max = std::uint64_t{1} << 62;

// nlohmann keeps the last of two equal keys; reject a repeated key instead.
class DuplicateKeys {
 public:
  DuplicateKeys(std::set<std::string>& seen, std::string& repeated) : seen_(&seen), repeated_(&repeated) {}
  bool operator()(int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: ++depth_; break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end: --depth_; break;
      case json::parse_event_t::key:
        if (depth_ == 1 && !seen_->insert(parsed.get<std::string>()).second && repeated_->empty())
          *repeated_ = parsed.get<std::string>();
        break;
      case json::parse_event_t::value: break;
    }
    return true;
  }

 private:
  std::set<std::string>* seen_;
  std::string* repeated_;
  int depth_ = 0;
};

class Parser {
 public:
  explicit Parser(const std::string& file) : file_(file) {}

  void line(std::string_view text, std::size_t number) {
    line_ = number;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) return;
    if (text.size() > k_line_bytes_max) fail(fmt::format("the line is longer than {} bytes", k_line_bytes_max));
    std::set<std::string> seen;
    std::string repeated;
    json j;
    try {
      j = json::parse(text, DuplicateKeys(seen, repeated));
    } catch (const json::parse_error& e) {
      fail(fmt::format("column {}: {}", e.byte == 0 ? 1 : e.byte, json_error_message(e)));
    } catch (const json::exception& e) {
      fail(json_error_message(e));
    }
    if (!repeated.empty()) fail(fmt::format("duplicate key \"{}\"", repeated));
    if (!j.is_object()) fail("expected a JSON object, one per line");
    const std::string type = string_field(j, "type");
    if (type == "call") {
      call(j);
    } else if (type == "return") {
      ret(j);
    } else {
      fail(fmt::format("\"type\" must be \"call\" or \"return\", got \"{}\"", type));
    }
  }

  LoadedHistory finish() { return std::move(out_); }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(file_, fmt::format("line {}", line_), message);
  }

  void only_keys(const json& j, std::initializer_list<const char*> allowed) const {
    for (const auto& [k, v] : j.items()) {
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
        std::string list;
        for (const char* a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", a);
        fail(fmt::format("unknown key \"{}\" in a {} line (allowed: {})", k, j.at("type").get<std::string>(), list));
      }
    }
  }

  const json& field(const json& j, const char* name) const {
    const auto it = j.find(name);
    if (it == j.end()) fail(fmt::format("missing \"{}\"", name));
    return *it;
  }

  std::string string_field(const json& j, const char* name) const {
    const json& v = field(j, name);
    if (!v.is_string()) fail(fmt::format("\"{}\" must be a string", name));
    return v.get<std::string>();
  }

  std::uint64_t id_field(const json& j) const {
    const json& v = field(j, "id");
    if (!v.is_number_unsigned()) fail("\"id\" must be an unsigned integer");
    return v.get<std::uint64_t>();
  }

  Time_us time_field(const json& j) const {
    const auto us = j.find("time_us"), ms = j.find("time_ms");
    if (us != j.end() && ms != j.end()) fail("give one of \"time_us\" and \"time_ms\", not both");
    if (us != j.end()) {
      if (!us->is_number_unsigned() || us->get<std::uint64_t>() > k_time_us_max)
        fail(fmt::format("\"time_us\" must be an unsigned integer of microseconds, at most {}", k_time_us_max));
      return static_cast<Time_us>(us->get<std::uint64_t>());
    }
    if (ms != j.end()) {
      if (!ms->is_number()) fail("\"time_ms\" must be a number of milliseconds");
      const double v = ms->get<double>();
      if (!std::isfinite(v) || v < 0 || v * 1000 > static_cast<double>(k_time_us_max))
        fail(fmt::format("\"time_ms\" must be a non-negative number of milliseconds, at most {}",
                         k_time_us_max / 1000));
      return static_cast<Time_us>(std::llround(v * 1000));
    }
    fail("missing \"time_us\" (or \"time_ms\")");
  }

  std::uint32_t client_index(const std::string& name) {
    const auto [it, inserted] = clients_.emplace(name, static_cast<std::uint32_t>(out_.history.clients.size()));
    if (inserted) out_.history.clients.push_back(name);
    return it->second;
  }

  void call(const json& j) {
    only_keys(j, {"type", "id", "client", "op", "key", "value", "time_us", "time_ms"});
    const std::uint64_t id = id_field(j);
    Operation o;
    const std::string client = string_field(j, "client");
    if (client.empty()) fail("\"client\" must not be empty");
    const std::string op = string_field(j, "op");
    if (op == "put") {
      o.op = KvOp::put;
    } else if (op == "append") {
      o.op = KvOp::append;
    } else if (op == "get") {
      o.op = KvOp::get;
    } else {
      fail(fmt::format("\"op\" must be \"put\", \"get\" or \"append\", got \"{}\"", op));
    }
    o.key = string_field(j, "key");
    if (o.op == KvOp::get) {
      if (j.contains("value")) fail("a get has no \"value\"");
    } else {
      o.value = string_field(j, "value");
    }
    o.call_us = time_field(j);
    if (const auto [it, inserted] = by_id_.emplace(id, out_.history.ops.size()); !inserted)
      fail(fmt::format("id {} is already used (line {})", id, out_.sources[it->second].call_line));
    o.client = client_index(client);
    out_.history.ops.push_back(std::move(o));
    out_.sources.push_back({id, line_, 0});
  }

  void ret(const json& j) {
    only_keys(j, {"type", "id", "client", "time_us", "time_ms", "result"});
    const std::uint64_t id = id_field(j);
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) fail(fmt::format("a return for id {}, which has no call line before it", id));
    Operation& o = out_.history.ops[it->second];
    HistorySource& src = out_.sources[it->second];
    if (src.return_line != 0) fail(fmt::format("id {} already returned (line {})", id, src.return_line));
    const std::string client = string_field(j, "client");
    if (client != out_.history.clients[o.client])
      fail(fmt::format("id {} was called by \"{}\" (line {}), not \"{}\"", id, out_.history.clients[o.client],
                       src.call_line, client));
    const Time_us t = time_field(j);
    if (t < o.call_us)
      fail(fmt::format("id {} returns at {}us, before its call at {}us (line {})", id, t, o.call_us, src.call_line));
    if (o.op == KvOp::get) {
      const json& r = field(j, "result");
      if (r.is_string()) {
        o.result = r.get<std::string>();
      } else if (!r.is_null()) {
        fail("\"result\" must be a string, or null when the key was absent");
      }
    } else if (j.contains("result")) {
      fail(fmt::format("a {} has no \"result\" (only a get has)", o.op == KvOp::put ? "put" : "append"));
    }
    o.return_us = t;
    src.return_line = line_;
  }

  const std::string& file_;
  std::size_t line_ = 0;
  LoadedHistory out_;
  std::map<std::string, std::uint32_t> clients_;
  std::map<std::uint64_t, std::size_t> by_id_;  // id -> position in ops
};

const char* op_name(KvOp op) {
  switch (op) {
    case KvOp::put: return "put";
    case KvOp::get: return "get";
    case KvOp::append: return "append";
  }
  return "?";
}

}  // namespace

LoadedHistory parse_history_jsonl(std::string_view text, const std::string& file) {
  Parser p(file);
  std::size_t number = 1;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    p.line(text.substr(0, end), number++);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return p.finish();
}

LoadedHistory load_history_file(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw InputError(file, "", "is a directory, not a file");
  if (const auto size = std::filesystem::file_size(file, ec); !ec && size > k_history_bytes_max)
    throw InputError(file, "", fmt::format("is {} bytes; the limit is {}", size, k_history_bytes_max));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file, "", fmt::format("cannot read the file: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(file, "", "cannot read the file");
  return parse_history_jsonl(text.str(), file);
}

std::string write_history_jsonl(const History& h) {
  struct Event {
    Time_us time;
    bool is_return;
    std::size_t op;
  };
  std::vector<Event> events;
  for (std::size_t i = 0; i < h.ops.size(); ++i) {
    events.push_back({h.ops[i].call_us, false, i});
    if (h.ops[i].return_us) events.push_back({*h.ops[i].return_us, true, i});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_return != b.is_return) return !a.is_return;
    return a.op < b.op;
  });
  std::string out;
  for (const Event& e : events) {
    const Operation& o = h.ops[e.op];
    const std::string client = o.client < h.clients.size() ? h.clients[o.client] : fmt::format("c{}", o.client + 1);
    nlohmann::ordered_json j;
    j["type"] = e.is_return ? "return" : "call";
    j["id"] = e.op;
    j["client"] = client;
    if (!e.is_return) {
      j["op"] = op_name(o.op);
      j["key"] = o.key;
      if (o.op != KvOp::get) j["value"] = o.value;
      j["time_us"] = o.call_us;
    } else {
      j["time_us"] = *o.return_us;
      if (o.op == KvOp::get) j["result"] = o.result ? nlohmann::ordered_json(*o.result) : nlohmann::ordered_json();
    }
    out += j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace paxsim::cli
