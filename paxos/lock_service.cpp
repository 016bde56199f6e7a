#include "paxos/lock_service.hpp"

#include <charconv>

#include "paxos/kv.hpp"

namespace paxsim {

namespace {

std::optional<std::uint64_t> number(const std::string& s) {
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string granted(std::uint64_t token) { return "G" + std::to_string(token); }

}  // namespace

std::string LockTable::apply(std::uint32_t client, LockOp op, const std::string& key, const std::string& arg) {
  const auto n = number(arg);
  LockState& s = locks_[key];
  switch (op) {
    case LockOp::acquire: {
      if (s.holder != k_no_holder && s.holder != client) return "B";
      s.holder = client;
      s.token = ++last_token_;
      ++s.generation;
      s.lease_us = n ? static_cast<Time_us>(*n) : 0;
      return granted(s.token);
    }
    case LockOp::renew:
      if (s.holder != client || !n || *n != s.token) return "L";
      ++s.generation;
      return granted(s.token);
    case LockOp::release:
      if (s.holder != client || !n || *n != s.token) return "L";
      s.holder = k_no_holder;
      ++s.generation;
      return "R";
    case LockOp::expire:
      if (s.holder == k_no_holder || !n || *n != s.generation) return "-";
      s.holder = k_no_holder;
      ++s.generation;
      return "E";
  }
  return "-";
}

std::string LockTable::would_acquire(std::uint32_t client, const std::string& key) const {
  const LockState* s = find(key);
  if (s && s->holder != k_no_holder && s->holder != client) return "B";
  return granted(last_token_ + 1);
}

const LockState* LockTable::find(const std::string& key) const {
  auto it = locks_.find(key);
  return it == locks_.end() ? nullptr : &it->second;
}

std::optional<LockReply> parse_lock_reply(const std::string& r) {
  if (r.empty()) return std::nullopt;
  LockReply out;
  switch (r[0]) {
    case 'G': {
      const auto n = number(r.substr(1));
      if (!n) return std::nullopt;
      out.kind = LockReply::Kind::granted;
      out.token = *n;
      return out;
    }
    case 'B': out.kind = LockReply::Kind::busy; break;
    case 'L': out.kind = LockReply::Kind::lost; break;
    case 'R': out.kind = LockReply::Kind::released; break;
    case 'E': out.kind = LockReply::Kind::expired; break;
    case '-': out.kind = LockReply::Kind::stale; break;
    default: return std::nullopt;
  }
  return r.size() == 1 ? std::optional<LockReply>(out) : std::nullopt;
}

namespace {
Command lock_command(std::uint32_t client, std::uint64_t request, KvOpKind op, const std::string& key,
                     std::uint64_t arg) {
  Command c;
  c.client = client;
  c.request = request;
  c.op = op;
  c.key = key;
  c.value = std::to_string(arg);
  return c;
}
}  // namespace

Command lock_acquire(std::uint32_t client, std::uint64_t request, const std::string& key, Time_us lease_us) {
  return lock_command(client, request, KvOpKind::acquire, key, static_cast<std::uint64_t>(lease_us));
}
Command lock_renew(std::uint32_t client, std::uint64_t request, const std::string& key, std::uint64_t token) {
  return lock_command(client, request, KvOpKind::renew, key, token);
}
Command lock_release(std::uint32_t client, std::uint64_t request, const std::string& key, std::uint64_t token) {
  return lock_command(client, request, KvOpKind::release, key, token);
}
Command lock_expire(const std::string& key, std::uint64_t generation) {
  // The generation doubles as the request id: it only rises, so the
  // at-most-once table takes each expiry once.
  return lock_command(k_lock_service_client, generation, KvOpKind::expire, key, generation);
}

void LockLeaseWatch::observe(const LockTable& table, Time_us local_now) {
  for (const auto& [key, s] : table.locks()) {
    Seen& seen = seen_[key];
    if (seen.generation == s.generation && seen.lease_us == (s.holder == k_no_holder ? 0 : s.lease_us)) continue;
    seen.generation = s.generation;
    seen.since = local_now;
    seen.lease_us = s.holder == k_no_holder ? 0 : s.lease_us;
  }
}

std::vector<Value> LockLeaseWatch::due(Time_us local_now) const {
  std::vector<Value> out;
  for (const auto& [key, s] : seen_)
    if (s.lease_us > 0 && local_now >= s.since + s.lease_us) out.push_back(encode(lock_expire(key, s.generation)));
  return out;
}

}  // namespace paxsim
