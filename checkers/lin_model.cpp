#include "checkers/lin_model.hpp"

#include <unordered_map>

namespace paxsim::checkers::lin {

// Indexes the get results through the longest reads (results that begin no
// other result; in sorted order, a result that begins another begins the
// next one): their prefixes, the puts that begin them, and the paths of
// appends that build them.
void KeyModel::index_reads() {
  std::map<std::string_view, std::uint32_t> results;  // distinct results, sorted -> longest read
  for (std::uint32_t k = 0; k < size(); ++k) {
    const Operation& o = h_.ops[ops_[k]];
    if (o.op == KvOp::get && o.result) results.emplace(*o.result, k_none);
  }
  std::size_t chars = 0;
  std::uint32_t longest = k_none;
  for (auto it = results.rbegin(); it != results.rend(); ++it) {
    if (longest == k_none || !longest_[longest].text.starts_with(it->first)) {
      chars += it->first.size();
      if (chars > k_prefix_chars_max) {
        longest_.clear();
        return;
      }
      Longest l{it->first, {0}, {}, {}};
      std::uint64_t hash = 0;
      for (unsigned char c : it->first) l.prefix_hash.push_back(hash = hash_append(hash, c));
      longest_.push_back(std::move(l));
      longest = static_cast<std::uint32_t>(longest_.size() - 1);
    }
    it->second = longest;
  }
  for (const Longest& l : longest_)
    for (std::size_t n = 0; n < l.prefix_hash.size(); ++n) prefixes_.at_or_insert(length_and_hash(n, l.prefix_hash[n]), 1);

  // Writes by (length, hash) of their value; lookups only, never iterated.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> puts, appends;
  std::map<std::uint64_t, std::uint64_t> append_lengths;  // length -> B^length
  for (std::uint32_t k = 0; k < size(); ++k) {
    if (info_[k].op == KvOp::get) continue;
    const std::uint32_t v = values_.of_piece(info_[k].piece);
    const std::uint64_t n = values_.length(v);
    (info_[k].op == KvOp::put ? puts : appends)[length_and_hash(n, values_.hash(v))].push_back(k);
    if (info_[k].op == KvOp::append) {
      info_[k].shown = false;
      if (!append_lengths.contains(n)) append_lengths.emplace(n, power_of_base(n));
    }
  }
  std::uint64_t work = 0;
  bool paths = true;
  for (Longest& m : longest_) {
    const std::uint64_t len = m.text.size();
    for (std::uint64_t n = 0; n <= len; ++n)
      if (auto it = puts.find(length_and_hash(n, m.prefix_hash[n])); it != puts.end())
        for (std::uint32_t p : it->second)
          if (m.text.starts_with(h_.ops[ops_[p]].value)) m.starts.emplace_back(n, p);
    work += (len + 1) * append_lengths.size();
    if (!paths || work > k_path_work_max) {
      paths = false;
      continue;
    }
    m.back.assign(len + 1, Step{});
    auto arrive = [&](std::uint64_t at, std::uint32_t from, std::uint32_t op, std::uint8_t ways) {
      Step& s = m.back[at];
      if (s.ways == 0) s = Step{from, op, 0};
      s.ways = static_cast<std::uint8_t>(std::min(2, s.ways + ways));
    };
    arrive(0, k_start, k_none, 1);  // from absent
    for (const auto& [n, p] : m.starts) arrive(n, k_start, p, 1);
    for (std::uint64_t i = 0; i < len; ++i) {
      for (const auto& [n, power] : append_lengths) {
        if (n == 0 || i + n > len) continue;
        const std::uint64_t hash = add_mod(m.prefix_hash[i + n], k_mod - mul_mod(m.prefix_hash[i], power));
        const auto it = appends.find(length_and_hash(n, hash));
        if (it == appends.end()) continue;
        for (std::uint32_t a : it->second) {
          if (m.text.compare(i, n, h_.ops[ops_[a]].value) != 0) continue;
          info_[a].shown = true;
          if (m.back[i].ways > 0) arrive(i + n, static_cast<std::uint32_t>(i), a, m.back[i].ways);
        }
      }
    }
  }
  if (!paths) {  // some occurrences not looked for: every append may be shown
    for (Longest& m : longest_) m.back.clear();
    for (OpInfo& info : info_) info.shown = true;
  }
  for (std::uint32_t k = 0; k < size(); ++k) {
    const Operation& o = h_.ops[ops_[k]];
    if (o.op != KvOp::get) continue;
    if (!o.result) {
      line_readers_[k_none].push_back(k);
      continue;
    }
    info_[k].longest = results.at(*o.result);
    info_[k].length = o.result->size();
    // The start of its only path, if it has one.
    const Longest& m = longest_[info_[k].longest];
    if (m.back.empty() || m.back[info_[k].length].ways != 1) continue;
    std::uint64_t pos = info_[k].length;
    for (std::size_t steps = 0; steps < k_path_steps_max; ++steps) {
      const Step& step = m.back[pos];
      if (step.from == k_start) {
        line_readers_[step.op].push_back(k);
        break;
      }
      pos = step.from;
    }
  }
  indexed_ = true;
}

}  // namespace paxsim::checkers::lin
