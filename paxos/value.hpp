// A value (a proposal, a command in a log, a reply): an immutable string
// behind a reference-counted handle. Every message, record, log entry and
// checker tally that holds a value shares one copy of its text, so passing a
// value around costs a pointer and a count, never an allocation or a copy of
// its bytes. Equality and order are those of the text (a shared text compares
// equal at once), so containers keyed by values order them as strings do and
// nothing depends on addresses.
//
// A value made by `encode` (paxos/kv.hpp) also carries the command it was
// encoded from, so the replicas and the leader that decode it read the fields
// instead of parsing the text each time. The command is set when the text is
// made and never changes after (no cache filled on first use), so threads
// sharing a value only read it. Its key and value are views into the text,
// which holds them verbatim: the command owns no string.
//
// The text lies in the same allocation as the count, the hash and the
// command: making a value takes one block, and releasing the last handle
// gives it back, with nothing to destroy first (blocks come from slabs and
// are recycled per thread: detail::ValueBlocks below). Its accessors therefore give
// views and copies, never a std::string owned by the value.
//
// The count is atomic: values are never shared between simulations on
// purpose, but a scenario's values (and k_noop_value) may be read by several
// runs in parallel threads (fuzz -j).
#pragma once

#include <atomic>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "paxos/command.hpp"

namespace paxsim {

namespace detail {
inline constexpr std::uint64_t k_hash_start = 0xcbf29ce484222325ull;
constexpr std::uint64_t fold(std::uint64_t h, std::uint64_t w) noexcept {
  h = (h ^ w) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}
// Calls f on the words of a byte string: its length, then 8 bytes at a time
// (little-endian, the last word zero-padded). The text hash and the state
// hash (paxos/state_hash.hpp) both cut strings this way.
// Read as little-endian on every machine, so that a fingerprint does not
// depend on byte order (a no-op where the machine is little-endian).
inline std::uint64_t little_endian(std::uint64_t w) {
  if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(w);
  return w;
}
template <class F>
void for_each_word(std::string_view s, F&& f) {
  f(std::uint64_t{s.size()});
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    f(little_endian(w));
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    if (std::endian::native == std::endian::little && i >= 8) {
      // The last 8 bytes, shifted down past those already taken: the same
      // word, with one load instead of a call to copy a few bytes.
      std::memcpy(&w, s.data() + s.size() - 8, 8);
      w >>= 8 * (8 - (s.size() - i));
    } else {
      std::memcpy(&w, s.data() + i, s.size() - i);
      w = little_endian(w);
    }
    f(w);
  }
}

// Value blocks: carved from slabs of 64 KiB, one size class per 16 bytes,
// freed blocks kept per thread for the next value of their class. A fresh
// block is a pointer bump instead of a malloc, a freed one a push instead of
// a free, and a fuzz worker's run, which frees its values at its end, feeds
// the next run's values on that thread.
//
// A block may be released on another thread than the one that made it
// (values a scenario holds are dropped by whichever run drops them last): it
// joins the releasing thread's free list, since a block is plain memory of
// its class whichever slab holds it. That is also why no slab is ever given
// back: a block of a thread's slab may outlive the thread. Every slab stays
// on one process-wide list (reachable, so no leak). When a thread that took
// a slab ends, its free blocks and the unused rest of its newest slab go to
// a process-wide pool (paxos/value.cpp), which the next thread to run out
// takes whole before it takes a new slab: threads that come and go (each
// level of `explore -j`) reuse what the ended ones freed, and the memory
// the slabs hold stays the peak of live values, as a malloc arena's would.
// The hot paths never see the pool. Values above the largest class use
// operator new and delete.
struct ValueBlocks {
  static constexpr std::size_t k_class_bytes = 16;
  static constexpr std::size_t k_classes = 16;  // blocks of up to 256 bytes come from slabs
  static constexpr std::size_t k_slab_bytes = std::size_t{64} << 10;
  struct Free {
    Free* next;
  };
  Free* head[k_classes];  // freed blocks, by class
  char* fresh;            // the unused rest of this thread's newest slab
  char* fresh_end;

  // The class of a block of `bytes` (> 0); k_classes and above are not kept.
  static std::size_t class_of(std::size_t bytes) { return (bytes - 1) / k_class_bytes; }
  static std::size_t class_bytes(std::size_t c) { return (c + 1) * k_class_bytes; }
};
// Constant-initialised and trivially destructible, so that reading it needs
// no guard and it needs no destructor: its blocks belong to the slabs.
constinit inline thread_local ValueBlocks t_value_blocks{};
// Every slab, linked through its first word (see ValueBlocks).
constinit inline std::atomic<void*> g_value_slabs{nullptr};

// With AddressSanitizer, a block is addressable only while a value holds
// it, so that a use after release or past the text is still reported.
#if defined(__SANITIZE_ADDRESS__)  // GCC's name for it
#define PAXSIM_VALUE_BLOCKS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // Clang's
#define PAXSIM_VALUE_BLOCKS_ASAN 1
#endif
#endif
#if defined(PAXSIM_VALUE_BLOCKS_ASAN)
extern "C" void __asan_poison_memory_region(void const volatile* addr, std::size_t size);
extern "C" void __asan_unpoison_memory_region(void const volatile* addr, std::size_t size);
inline void poison_value_block(void* p, std::size_t n) { __asan_poison_memory_region(p, n); }
inline void unpoison_value_block(void* p, std::size_t n) { __asan_unpoison_memory_region(p, n); }
#else
inline void poison_value_block(void*, std::size_t) {}
inline void unpoison_value_block(void*, std::size_t) {}
#endif

// The slow path of take_value_block (paxos/value.cpp): no free block of
// the class and no room left in the fresh space. Returns a block of `size`
// (a class size), from the pool of ended threads' blocks or a new slab.
[[gnu::noinline]] void* take_value_slab(std::size_t size);

// A block for a value of `bytes` (> 0), addressable for `bytes`.
inline void* take_value_block(std::size_t bytes) {
  const std::size_t c = ValueBlocks::class_of(bytes);
  if (c >= ValueBlocks::k_classes) return ::operator new(bytes);
  ValueBlocks& b = t_value_blocks;
  const std::size_t size = ValueBlocks::class_bytes(c);
  void* p;
  if (ValueBlocks::Free* f = b.head[c]) {
    unpoison_value_block(f, sizeof(ValueBlocks::Free));
    b.head[c] = f->next;
    p = f;
  } else if (static_cast<std::size_t>(b.fresh_end - b.fresh) >= size) {
    p = b.fresh;
    b.fresh += size;
  } else {
    p = take_value_slab(size);
  }
  unpoison_value_block(p, bytes);
  return p;
}
// Gives back a block take_value_block made for `bytes`.
inline void give_value_block(void* p, std::size_t bytes) noexcept {
  const std::size_t c = ValueBlocks::class_of(bytes);
  if (c >= ValueBlocks::k_classes) {
    ::operator delete(p);
    return;
  }
  ValueBlocks& b = t_value_blocks;
  poison_value_block(p, ValueBlocks::class_bytes(c));
  unpoison_value_block(p, sizeof(ValueBlocks::Free));
  b.head[c] = ::new (p) ValueBlocks::Free{b.head[c]};
  poison_value_block(p, sizeof(ValueBlocks::Free));
}
}  // namespace detail

class Value {
 public:
  Value() noexcept = default;
  Value(std::string_view s) : rep_(s.empty() ? nullptr : Rep::make(s)) {}
  Value(const std::string& s) : Value(std::string_view(s)) {}
  Value(const char* s) : Value(std::string_view(s)) {}
  Value(const Value& o) noexcept : rep_(o.rep_) { retain(); }
  Value(Value&& o) noexcept : rep_(std::exchange(o.rep_, nullptr)) {}
  Value& operator=(const Value& o) noexcept {
    // Both handles read once, before the counts change: an atomic update
    // makes the compiler read them again after it.
    Rep* const taken = o.rep_;
    Rep* const old = rep_;
    if (taken) taken->refs.fetch_add(1, std::memory_order_relaxed);
    rep_ = taken;
    if (old && old->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(old);
    return *this;
  }
  Value& operator=(Value&& o) noexcept {
    Rep* const taken = std::exchange(o.rep_, nullptr);  // first: a self-move then releases nothing
    release();
    rep_ = taken;
    return *this;
  }
  ~Value() { release(); }
  // Exchanges the texts two handles share (no count changes).
  void swap(Value& o) noexcept { std::swap(rep_, o.rep_); }
  // Makes this handle the empty value (the text it shared is untouched).
  void clear() noexcept {
    release();
    rep_ = nullptr;
  }

  std::string str() const { return std::string(view()); }
  operator std::string() const { return str(); }
  operator std::string_view() const noexcept { return view(); }
  std::string_view view() const noexcept { return rep_ ? std::string_view(rep_->text(), rep_->size) : std::string_view(); }

  std::size_t size() const noexcept { return rep_ ? rep_->size : 0; }
  std::size_t length() const noexcept { return size(); }
  bool empty() const noexcept { return rep_ == nullptr; }
  const char* data() const noexcept { return view().data(); }
  const char* c_str() const noexcept { return rep_ ? rep_->text() : ""; }  // the text ends in a NUL
  const char* begin() const noexcept { return view().data(); }
  const char* end() const noexcept { return view().data() + size(); }
  char operator[](std::size_t i) const noexcept { return rep_ ? rep_->text()[i] : '\0'; }
  bool starts_with(std::string_view p) const noexcept { return view().starts_with(p); }
  std::size_t find(std::string_view p, std::size_t pos = 0) const noexcept { return view().find(p, pos); }
  std::string substr(std::size_t pos, std::size_t n = std::string::npos) const {
    return std::string(view().substr(pos, n));
  }
  // The command this value was encoded from (`encode`), or null: a value
  // made from text alone carries none, even when the text is a command.
  const CommandView* command() const noexcept { return rep_ && rep_->has_command ? &rep_->command : nullptr; }
  // A 64-bit hash of the text, computed once when the value is made (the run
  // fingerprint folds it in for every message that carries the value).
  std::uint64_t text_hash() const noexcept { return rep_ ? rep_->hash : detail::fold(detail::k_hash_start, 0); }
  // The text hash: its length, then 8 bytes at a time (little-endian, the
  // last word zero-padded), each word w as h = (h ^ w) * 0x9e3779b97f4a7c15,
  // h ^= h >> 29, from h = 0xcbf29ce484222325 (the state hash's folding).
  static std::uint64_t hash_text(std::string_view s) noexcept {
    std::uint64_t h = detail::k_hash_start;
    detail::for_each_word(s, [&h](std::uint64_t w) { h = detail::fold(h, w); });
    return h;
  }
  // Two handles on one text: true without comparing bytes.
  bool same_text(const Value& o) const noexcept { return rep_ == o.rep_; }

  friend bool operator==(const Value& a, const Value& b) noexcept { return a.rep_ == b.rep_ || a.view() == b.view(); }
  friend std::strong_ordering operator<=>(const Value& a, const Value& b) noexcept {
    if (a.rep_ == b.rep_) return std::strong_ordering::equal;
    return a.view() <=> b.view();
  }
  friend bool operator==(const Value& a, const std::string& b) noexcept { return a.view() == std::string_view(b); }
  friend bool operator==(const Value& a, std::string_view b) noexcept { return a.view() == b; }
  friend bool operator==(const Value& a, const char* b) noexcept { return a.view() == std::string_view(b); }
  friend std::strong_ordering operator<=>(const Value& a, const std::string& b) noexcept {
    return a.view() <=> std::string_view(b);
  }
  friend std::string operator+(const Value& a, std::string_view b) { return std::string(a.view()).append(b); }
  friend std::string operator+(std::string_view a, const Value& b) { return std::string(a).append(b.view()); }
  friend std::string operator+(const Value& a, const std::string& b) { return std::string(a.view()).append(b); }
  friend std::string operator+(const std::string& a, const Value& b) { return std::string(a).append(b.view()); }
  friend std::string operator+(const Value& a, const char* b) { return std::string(a.view()).append(b); }
  friend std::string operator+(const char* a, const Value& b) { return std::string(a).append(b.view()); }
  friend std::string& operator+=(std::string& a, const Value& b) { return a.append(b.view()); }

 private:
  // Followed in its allocation by the text's bytes and a NUL. Trivially
  // destructible: the last handle frees it without destroying anything.
  struct Rep {
    // `s` is not empty.
    static Rep* make(std::string_view s) {
      return make_in_place(s.size(), [&](char* text, CommandView&) {
        std::memcpy(text, s.data(), s.size());
        return false;
      });
    }
    // A text of `size` bytes (> 0) that `write(char* text, CommandView& c)`
    // writes in place, in the block, returning whether `c` is now the command
    // the text encodes (its key and value views into `text`): no copy of the
    // bytes, and the hash taken over them as they lie.
    template <class Write>
    static Rep* make_in_place(std::size_t size, Write&& write) {
      void* const at = detail::take_value_block(sizeof(Rep) + size + 1);
      char* const text = static_cast<char*>(at) + sizeof(Rep);
      CommandView c;
      const bool has_command = write(text, c);
      text[size] = '\0';
      Rep* const rep = new (at) Rep(std::string_view(text, size));
      if (has_command) {
        rep->has_command = true;
        rep->command = c;
      }
      return rep;
    }
    static void destroy(Rep* rep) noexcept { detail::give_value_block(rep, sizeof(Rep) + rep->size + 1); }
    const char* text() const noexcept { return reinterpret_cast<const char*>(this + 1); }

    std::atomic<std::uint32_t> refs{1};
    bool has_command = false;  // set by `encode` only
    const std::size_t size;
    const std::uint64_t hash;  // hash_text(text)
    CommandView command;       // the text decoded, if has_command (set once, in make_in_place)

   private:
    explicit Rep(std::string_view s) : size(s.size()), hash(hash_text(s)) {}
  };
  static_assert(std::is_trivially_destructible_v<Rep>);
  // A value of `size` bytes (> 0) written in place by `write` (see
  // Rep::make_in_place): if it says the text encodes a command, it must be
  // its encoding, so only `encode` makes one.
  template <class Write>
  static Value in_place(std::size_t size, Write&& write) {
    Value v;
    v.rep_ = Rep::make_in_place(size, std::forward<Write>(write));
    return v;
  }
  friend Value encode(const Command& c);

  void retain() const noexcept {
    if (rep_) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  // The count is dropped in line; the last handle's deletion of the text
  // (and its command) is out of line, so that the compiler inlines the rest
  // wherever a handle is overwritten or destroyed (forced: GCC left it a
  // call in a reused message's reset, once per decide sent).
  [[gnu::always_inline]] void release() noexcept {
    if (rep_ && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(rep_);
  }
  [[gnu::noinline]] static void destroy(Rep* rep) noexcept { Rep::destroy(rep); }


  Rep* rep_ = nullptr;  // null: the empty value
};

// JSON (nlohmann, found by argument-dependent lookup) reads and writes a
// value as its string; paxos/ stays free of the JSON library.
template <class Json>
void to_json(Json& j, const Value& v) {
  j = v.str();
}
template <class Json>
void from_json(const Json& j, Value& v) {
  v = Value(j.template get<std::string>());
}

}  // namespace paxsim

template <>
struct std::hash<paxsim::Value> {
  // The text hash, made once with the value: hashing a value costs a load.
  std::size_t operator()(const paxsim::Value& v) const noexcept { return v.text_hash(); }
};
