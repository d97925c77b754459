#pragma once
// Interned strings: one append-only arena plus an open-addressing hash table for deduplication.
// Id 0 is the empty string.
//
// Long multi-line texts (Windows `Message` renderings, task XML, script blocks) are mostly the same
// lines in different combinations, so they are stored as "composite" strings: a sequence of interned
// lines. A composite id has the top bit set; read it with append_to() (get() only serves plain ids).
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lh::siem {

// A fixed array straight from the kernel (anonymous mmap) for the store's long-lived blocks: pages become
// resident only when written, and freeing returns them at once. Through malloc, blocks allocated by a
// loading thread would sit in that thread's arena among short-lived buffers and keep freed memory resident.
// T must be an implicit-lifetime type (the pages start zeroed).
void* map_pages(std::size_t bytes);
void unmap_pages(void* pages, std::size_t bytes) noexcept;

template <class T>
class PageArray {
 public:
  PageArray() = default;
  explicit PageArray(std::size_t count)
      : data_(static_cast<T*>(map_pages(count * sizeof(T)))), bytes_(count * sizeof(T)) {}
  ~PageArray() {
    if (data_ != nullptr) unmap_pages(data_, bytes_);
  }
  PageArray(PageArray&& other) noexcept : data_(std::exchange(other.data_, nullptr)), bytes_(other.bytes_) {}
  PageArray& operator=(PageArray&& other) noexcept {
    if (this != &other) {
      if (data_ != nullptr) unmap_pages(data_, bytes_);
      data_ = std::exchange(other.data_, nullptr);
      bytes_ = other.bytes_;
    }
    return *this;
  }
  PageArray(const PageArray&) = delete;
  PageArray& operator=(const PageArray&) = delete;
  [[nodiscard]] T* get() const { return data_; }
  T& operator[](std::size_t index) const { return data_[index]; }

 private:
  T* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// std::allocator for the store's big vectors: requests of at least kMinBytes come from map_pages, so a
// vector that grows by doubling returns each outgrown buffer to the kernel instead of leaving a hole in a
// thread's malloc arena.
template <class T>
struct PageAllocator {
  using value_type = T;
  static constexpr std::size_t kMinBytes = 64 * 1024;
  PageAllocator() = default;
  template <class U>
  PageAllocator(const PageAllocator<U>&) noexcept {}
  T* allocate(std::size_t count) {
    const std::size_t bytes = count * sizeof(T);
    if (bytes >= kMinBytes) return static_cast<T*>(map_pages(bytes));
    return std::allocator<T>().allocate(count);
  }
  void deallocate(T* pointer, std::size_t count) noexcept {
    const std::size_t bytes = count * sizeof(T);
    if (bytes >= kMinBytes) {
      unmap_pages(pointer, bytes);
    } else {
      std::allocator<T>().deallocate(pointer, count);
    }
  }
  template <class U>
  bool operator==(const PageAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using PageVector = std::vector<T, PageAllocator<T>>;

// Composite strings: each one a run of plain string ids in one shared list. A StringPool keeps its own; the
// store's SharedStringPool keeps one for all its shards.
class CompositeTable {
 public:
  // The index of a new composite made of `lines`.
  std::uint32_t add(const std::vector<std::uint32_t>& lines);
  [[nodiscard]] std::span<const std::uint32_t> lines(std::uint32_t index) const {
    const Composite& composite = composites_[index];
    return std::span<const std::uint32_t>(segments_).subspan(composite.first, composite.count);
  }
  [[nodiscard]] std::size_t size() const { return composites_.size(); }
  [[nodiscard]] std::size_t memory_bytes() const {
    return composites_.capacity() * sizeof(Composite) + segments_.capacity() * sizeof(std::uint32_t);
  }
  void clear() {
    composites_.clear();
    segments_.clear();
  }

 private:
  struct Composite {
    std::uint32_t first = 0;  // into segments_
    std::uint32_t count = 0;
  };
  std::vector<Composite> composites_;
  std::vector<std::uint32_t> segments_;
};

class StringPool {
 public:
  using Id = std::uint32_t;
  static constexpr Id kCompositeBit = 0x8000'0000u;
  // Texts at least this long with at least kCompositeMinLines lines are stored as composites.
  static constexpr std::size_t kCompositeMinBytes = 200;
  static constexpr std::size_t kCompositeMinLines = 3;

  StringPool();
  // Forgets every string but keeps the first arena chunk, span block and the hash table's size, so a pool
  // refilled over and over (a loading thread's per-slice pool) does not map and fault in fresh pages each time.
  void clear();
  // Interns `text`, as a composite when it qualifies and `allow_composite` is set.
  Id intern(std::string_view text, bool allow_composite = true);
  // Interns every plain string of `other` (reusing the hashes it stored) and returns other id → own id.
  // Composites are not copied: map their lines through the result and call make_composite().
  [[nodiscard]] std::vector<Id> intern_all_plain(const StringPool& other);
  // A plain string of a pool as (hash << 32 | id): what intern_entries() takes.
  using PlainEntry = std::uint64_t;
  [[nodiscard]] static std::uint32_t entry_hash(PlainEntry entry) { return static_cast<std::uint32_t>(entry >> 32); }
  [[nodiscard]] static Id entry_id(PlainEntry entry) { return static_cast<Id>(entry); }
  // Every plain string of this pool except the empty one, in table order.
  [[nodiscard]] std::vector<PlainEntry> plain_entries() const;
  // Interns the strings of `other` named by `entries` (from other.plain_entries()); own_ids[i] receives the
  // id of entries[i]'s string here.
  void intern_entries(const StringPool& other, const PlainEntry* entries, std::size_t count, Id* own_ids);
  // The hash a pool files `text` under.
  [[nodiscard]] static std::uint32_t hash_of(std::string_view text);
  // A composite made of already-interned plain ids (used when merging pools).
  Id make_composite(const std::vector<Id>& lines);
  // Id of a plain `text` when already interned (composites are never found).
  [[nodiscard]] std::optional<Id> find(std::string_view text) const;
  [[nodiscard]] static bool is_composite(Id id) { return (id & kCompositeBit) != 0; }
  // Whether intern(text) stores `text` as a composite (then find(text) cannot see it).
  [[nodiscard]] static bool qualifies_as_composite(std::string_view text);
  // Plain ids only.
  [[nodiscard]] std::string_view get(Id id) const {
    const Span span = spans_[id >> kSpanBlockBits][id & (kSpanBlockSize - 1)];
    const std::uint64_t chunk = span >> 40;
    if (chunk == kLargeChunk) [[unlikely]] return large_[span & kLowMask40];
    return {chunks_[chunk].get() + ((span >> 20) & kLowMask20), static_cast<std::size_t>(span & kLowMask20)};
  }
  // Any id.
  void append_to(Id id, std::string& out) const;
  // The plain line ids of a composite.
  [[nodiscard]] std::vector<Id> composite_lines(Id id) const;
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] std::size_t composite_count() const { return composites_.size(); }
  // Approximate heap footprint (arena + tables).
  [[nodiscard]] std::size_t memory_bytes() const;
  // memory_bytes() by structure (name, bytes).
  [[nodiscard]] std::vector<std::pair<std::string, std::size_t>> memory_breakdown() const;

 private:
  static constexpr std::size_t kChunkBytes = 1u << 20;
  // Where a plain string lives, in 8 bytes: arena chunk (24 bits), offset (20) and length (20); strings
  // longer than a quarter chunk have their own block (chunk kLargeChunk, the low bits index large_).
  // Spans sit in fixed blocks, so the table never needs a doubled copy while it grows.
  using Span = std::uint64_t;
  static constexpr std::uint64_t kLargeChunk = (1u << 24) - 1;
  static constexpr std::uint64_t kLowMask20 = (1u << 20) - 1;
  static constexpr std::uint64_t kLowMask40 = (std::uint64_t{1} << 40) - 1;
  static constexpr unsigned kSpanBlockBits = 16;
  static constexpr std::size_t kSpanBlockSize = std::size_t{1} << kSpanBlockBits;
  // A slot holds the string's 32-bit hash above its id, so a probe rejects a different string without
  // touching the spans or the arena, and growing never rehashes a string. The table is at most 3/4 full.
  using Slot = std::uint64_t;
  static constexpr Slot kEmptySlot = UINT64_MAX;
  static Slot make_slot(std::uint32_t hash, Id id) { return (Slot{hash} << 32) | id; }
  static Id slot_id(Slot slot) { return static_cast<Id>(slot); }
  static std::uint32_t slot_hash(Slot slot) { return static_cast<std::uint32_t>(slot >> 32); }

  std::vector<PageArray<char>> chunks_;
  std::vector<std::string_view> large_;  // strings in their own blocks (kept in large_blocks_)
  std::vector<std::unique_ptr<char[]>> large_blocks_;
  std::size_t chunk_used_ = kChunkBytes;
  std::size_t arena_bytes_ = 0;
  std::vector<PageArray<Span>> spans_;
  std::size_t count_ = 0;
  PageVector<Slot> slots_;  // open-addressing table; size is a power of two
  CompositeTable composites_;

  Id intern_plain(std::string_view text) { return intern_plain(text, hash_of(text)); }
  Id intern_plain(std::string_view text, std::uint32_t hash);
  Span copy_into_arena(std::string_view text);
  void push_span(Span span);
  void grow();
  [[nodiscard]] std::size_t slot_for(std::string_view text, std::uint32_t hash) const;
};

}  // namespace lh::siem
