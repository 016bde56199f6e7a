#include "paxos/kv.hpp"

#include <charconv>

namespace paxsim {

const char* to_string(KvOpKind k) {
  switch (k) {
    case KvOpKind::put: return "put";
    case KvOpKind::get: return "get";
    case KvOpKind::append: return "append";
    case KvOpKind::acquire: return "acquire";
    case KvOpKind::renew: return "renew";
    case KvOpKind::release: return "release";
    case KvOpKind::expire: return "expire";
  }
  return "?";
}

namespace {

void put_field(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

bool read_number(const std::string& v, std::size_t& pos, char end, std::uint64_t& n) {
  const auto* first = v.data() + pos;
  const auto* last = v.data() + v.size();
  auto [p, ec] = std::from_chars(first, last, n);
  if (ec != std::errc() || p == last || *p != end) return false;
  pos = static_cast<std::size_t>(p - v.data()) + 1;
  return true;
}

bool read_field(const std::string& v, std::size_t& pos, std::string& s) {
  std::uint64_t len = 0;
  if (!read_number(v, pos, ':', len) || pos + len > v.size()) return false;
  s.assign(v, pos, len);
  pos += len;
  return true;
}

}  // namespace

Value encode(const Command& c) {
  std::string v = "C";
  v += std::to_string(c.client);
  v += '|';
  v += std::to_string(c.request);
  v += '|';
  v += static_cast<char>('0' + static_cast<int>(c.op));
  v += '|';
  put_field(v, c.key);
  put_field(v, c.value);
  return Value(std::move(v));
}

std::optional<Command> decode(const Value& v) {
  if (v.empty() || v[0] != 'C') return std::nullopt;
  Command c;
  std::size_t pos = 1;
  std::uint64_t client = 0, op = 0;
  if (!read_number(v, pos, '|', client) || !read_number(v, pos, '|', c.request)) return std::nullopt;
  if (!read_number(v, pos, '|', op) || op > static_cast<std::uint64_t>(KvOpKind::expire)) return std::nullopt;
  if (!read_field(v, pos, c.key) || !read_field(v, pos, c.value) || pos != v.size()) return std::nullopt;
  c.client = static_cast<std::uint32_t>(client);
  c.op = static_cast<KvOpKind>(op);
  return c;
}

std::optional<KvResult> KvStore::cached(std::uint32_t client, std::uint64_t request) const {
  auto it = clients_.find(client);
  if (it == clients_.end() || it->second.request != request) return std::nullopt;
  return it->second.result;
}

std::optional<KvResult> KvStore::apply(const Command& c, const BugSet& bugs) {
  ClientEntry& entry = clients_[c.client];
  if (!bugs.has(Bug::duplicate_execution)) {
    if (c.request == entry.request) return entry.result;  // a retry: answered, not executed again
    if (c.request < entry.request) return std::nullopt;   // older than what the client already moved past
  }
  KvResult r;
  switch (c.op) {
    case KvOpKind::put: data_[c.key] = c.value; break;
    case KvOpKind::append: data_[c.key] += c.value; break;
    case KvOpKind::get: {
      auto it = data_.find(c.key);
      if (it == data_.end()) r.absent = true;
      else r.value = it->second;
      break;
    }
    case KvOpKind::acquire:
    case KvOpKind::renew:
    case KvOpKind::release:
    case KvOpKind::expire:
      r.value = locks_.apply(c.client, static_cast<LockOp>(static_cast<int>(c.op) - static_cast<int>(KvOpKind::acquire)),
                             c.key, c.value);
      break;
  }
  ++executed_;
  entry.request = std::max(entry.request, c.request);
  entry.result = r;
  return r;
}

}  // namespace paxsim
