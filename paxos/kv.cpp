#include "paxos/kv.hpp"

#include <cstring>
#include <limits>
#include <string_view>

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

void append_decimal(std::string& out, std::uint64_t n, std::size_t width) {
  char digits[20];  // the digits alone; any padding, however wide, is appended
  const char* const p = decimal_ending_at(digits + sizeof digits, n);
  const auto len = static_cast<std::size_t>(digits + sizeof digits - p);
  if (len < width) out.append(width - len, '0');
  out.append(p, len);
}

namespace {

// Decimal digits (at least one, no sign, within 64 bits) ending at `end`.
// By hand rather than std::from_chars: every replica decodes every command
// it applies, so this runs once per node per command.
bool read_number(std::string_view v, std::size_t& pos, char end, std::uint64_t& n) {
  constexpr std::uint64_t k_max = std::numeric_limits<std::uint64_t>::max();
  std::size_t i = pos;
  std::uint64_t x = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
    const auto d = static_cast<std::uint64_t>(v[i] - '0');
    if (x > (k_max - d) / 10) return false;  // out of range
    x = x * 10 + d;
  }
  if (i == pos || i == v.size() || v[i] != end) return false;
  n = x;
  pos = i + 1;
  return true;
}

bool read_field(std::string_view v, std::size_t& pos, std::string_view& s) {
  std::uint64_t len = 0;
  if (!read_number(v, pos, ':', len) || len > v.size() - pos) return false;
  s = v.substr(pos, len);
  pos += len;
  return true;
}

}  // namespace

namespace {

// How many decimal digits `n` takes. The numbers of a command are mostly of
// one to three digits (client, request, lengths).
std::size_t decimal_digits(std::uint64_t n) {
  if (n < 10) return 1;
  if (n < 100) return 2;
  std::size_t d = 3;
  for (n /= 1000; n != 0; n /= 10) ++d;
  return d;
}

// Writes `n`, of `digits` digits (decimal_digits(n)), at `p`; returns the
// end. Up to three digits at once, without a loop.
char* write_decimal(char* p, std::uint64_t n, std::size_t digits) {
  if (digits == 1) {
    *p = static_cast<char>('0' + n);
  } else if (digits == 2) {
    p[0] = static_cast<char>('0' + n / 10);
    p[1] = static_cast<char>('0' + n % 10);
  } else if (digits == 3) {
    p[0] = static_cast<char>('0' + n / 100);
    p[1] = static_cast<char>('0' + n / 10 % 10);
    p[2] = static_cast<char>('0' + n % 10);
  } else {
    decimal_ending_at(p + digits, n);
  }
  return p + digits;
}

// Copies `n` bytes. Up to 16 (the workloads' keys and values) as two
// overlapping loads and stores, without a call.
void copy_bytes(char* to, const char* from, std::size_t n) {
  const auto both = [&](auto word) {
    std::memcpy(&word, from, sizeof word);
    std::memcpy(to, &word, sizeof word);
    std::memcpy(&word, from + n - sizeof word, sizeof word);
    std::memcpy(to + n - sizeof word, &word, sizeof word);
  };
  if (n > 16) std::memcpy(to, from, n);
  else if (n >= 8) both(std::uint64_t{});
  else if (n >= 4) both(std::uint32_t{});
  else if (n >= 2) both(std::uint16_t{});
  else if (n == 1) *to = *from;
}

}  // namespace

Value encode(const Command& c) {
  // Written in place in the value's block, at its exact length, worked out
  // first: no buffer to write into and copy from.
  const std::size_t client_digits = decimal_digits(c.client);
  const std::size_t request_digits = decimal_digits(c.request);
  const std::size_t key_digits = decimal_digits(c.key.size());
  const std::size_t value_digits = decimal_digits(c.value.size());
  // C<client>|<request>|<op>|<key length>:<key><value length>:<value>
  const std::size_t size = client_digits + request_digits + key_digits + value_digits + c.key.size() +
                           c.value.size() + 7;
  return Value::in_place(size, [&](char* p, CommandView& carried) {
    *p++ = 'C';
    p = write_decimal(p, c.client, client_digits);
    *p++ = '|';
    p = write_decimal(p, c.request, request_digits);
    *p++ = '|';
    *p++ = static_cast<char>('0' + static_cast<int>(c.op));
    *p++ = '|';
    p = write_decimal(p, c.key.size(), key_digits);
    *p++ = ':';
    copy_bytes(p, c.key.data(), c.key.size());
    carried.key = std::string_view(p, c.key.size());  // the command's key and value: views into the text
    p += c.key.size();
    p = write_decimal(p, c.value.size(), value_digits);
    *p++ = ':';
    copy_bytes(p, c.value.data(), c.value.size());
    carried.value = std::string_view(p, c.value.size());
    if (c.op > KvOpKind::expire) return false;  // not decodable: carries no command
    carried.client = c.client;
    carried.op = c.op;
    carried.request = c.request;
    carried.key_hash = fnv1a64(c.key);
    return true;
  });
}

namespace {

// `v`'s fields, the key and value as views into `v`.
std::optional<CommandView> parse(std::string_view v) {
  if (v.empty() || v[0] != 'C') return std::nullopt;
  CommandView c;
  std::size_t pos = 1;
  std::uint64_t client = 0, op = 0;
  if (!read_number(v, pos, '|', client) || !read_number(v, pos, '|', c.request)) return std::nullopt;
  if (!read_number(v, pos, '|', op) || op > static_cast<std::uint64_t>(KvOpKind::expire)) return std::nullopt;
  if (!read_field(v, pos, c.key) || !read_field(v, pos, c.value) || pos != v.size()) return std::nullopt;
  c.client = static_cast<std::uint32_t>(client);
  c.op = static_cast<KvOpKind>(op);
  c.key_hash = fnv1a64(c.key);
  return c;
}

}  // namespace

std::optional<Command> decode(const Value& v) {
  const CommandView* c = v.command();
  std::optional<CommandView> parsed;
  if (!c) {
    parsed = parse(v.view());
    if (!parsed) return std::nullopt;
    c = &*parsed;
  }
  return Command{c->client, c->request, c->op, std::string(c->key), std::string(c->value)};
}

const CommandView* parse_command(const Value& v, CommandView& scratch) {
  auto parsed = parse(v.view());
  if (!parsed) return nullptr;
  scratch = *parsed;
  return &scratch;
}

const KvResult KvStore::k_done{};
const KvResult KvStore::k_absent{{}, true};

const KvResult* KvStore::apply_slow(const CommandView& c, const BugSet& bugs) {
  ClientEntry& entry = this->entry(c.client);
  if (!bugs.has(Bug::duplicate_execution)) {
    if (c.request == entry.request) return result_of(entry);  // a retry: answered, not executed again
    if (c.request < entry.request) return nullptr;            // older than what the client already moved past
  }
  KvResult& r = entry.result;  // the result is remembered for a retry
  entry.shared = nullptr;
  r.absent = false;
  r.value.clear();
  switch (c.op) {
    case KvOpKind::put: data_[std::string(c.key)] = c.value; break;
    case KvOpKind::append: data_[std::string(c.key)] += c.value; break;
    case KvOpKind::get: {
      const std::string* v = data_.find(c.key);
      if (!v) r.absent = true;
      else r.value = *v;
      break;
    }
    case KvOpKind::acquire:
    case KvOpKind::renew:
    case KvOpKind::release:
    case KvOpKind::expire:
      r.value = locks_.apply(c.client, static_cast<LockOp>(static_cast<int>(c.op) - static_cast<int>(KvOpKind::acquire)),
                             std::string(c.key), std::string(c.value));
      break;
  }
  ++executed_;
  entry.request = std::max(entry.request, c.request);
  return &r;
}

}  // namespace paxsim
