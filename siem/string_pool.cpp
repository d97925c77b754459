#include "siem/string_pool.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <functional>

#include "siem/text_hash.hpp"

namespace lh::siem {

void* map_pages(std::size_t bytes) {
  void* pages = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) throw std::bad_alloc();
  return pages;
}

void unmap_pages(void* pages, std::size_t bytes) noexcept { ::munmap(pages, bytes); }

StringPool::StringPool() {
  slots_.assign(1024, kEmptySlot);
  // Id 0, the empty string: chunk 0, offset 0, length 0 (the chunk exists from the start).
  chunks_.emplace_back(kChunkBytes);
  chunk_used_ = 0;
  push_span(0);
}

void StringPool::clear() {
  chunks_.resize(1);
  chunk_used_ = 0;
  arena_bytes_ = 0;
  large_.clear();
  large_blocks_.clear();
  spans_.resize(1);
  spans_[0][0] = 0;  // id 0, the empty string
  count_ = 1;
  std::fill(slots_.begin(), slots_.end(), kEmptySlot);
  composites_.clear();
}

void StringPool::push_span(Span span) {
  if ((count_ & (kSpanBlockSize - 1)) == 0) spans_.emplace_back(kSpanBlockSize);
  spans_.back()[count_ & (kSpanBlockSize - 1)] = span;
  ++count_;
}

StringPool::Span StringPool::copy_into_arena(std::string_view text) {
  arena_bytes_ += text.size();
  if (text.size() > kChunkBytes / 4) {
    // Large strings get their own block so the shared chunk is not wasted.
    large_blocks_.push_back(std::unique_ptr<char[]>(new char[text.size()]));
    std::memcpy(large_blocks_.back().get(), text.data(), text.size());
    large_.emplace_back(large_blocks_.back().get(), text.size());
    return (kLargeChunk << 40) | (large_.size() - 1);
  }
  if (chunk_used_ + text.size() > kChunkBytes) {
    chunks_.emplace_back(kChunkBytes);
    chunk_used_ = 0;
  }
  std::memcpy(chunks_.back().get() + chunk_used_, text.data(), text.size());
  const Span span = (static_cast<Span>(chunks_.size() - 1) << 40) | (static_cast<Span>(chunk_used_) << 20) | text.size();
  chunk_used_ += text.size();
  return span;
}

std::uint32_t StringPool::hash_of(std::string_view text) {
  const std::uint64_t full = hash_text(text);
  return static_cast<std::uint32_t>(full ^ (full >> 32));
}

std::size_t StringPool::slot_for(std::string_view text, std::uint32_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = hash & mask;
  for (;;) {
    const Slot entry = slots_[slot];
    if (entry == kEmptySlot) return slot;
    if (slot_hash(entry) == hash && get(slot_id(entry)) == text) return slot;
    slot = (slot + 1) & mask;
  }
}

void StringPool::grow() {
  PageVector<Slot> old(slots_.size() * 2, kEmptySlot);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot entry : old) {
    if (entry == kEmptySlot) continue;
    std::size_t slot = slot_hash(entry) & mask;
    while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask;
    slots_[slot] = entry;
  }
}

std::vector<StringPool::PlainEntry> StringPool::plain_entries() const {
  // Every slot is written and the count advanced only past full ones: about half the slots are empty, in no
  // pattern, so a branch on each mispredicted about every other slot.
  if (count_ <= 1) return {};
  std::vector<PlainEntry> entries(count_);
  PlainEntry* out = entries.data();
  std::size_t taken = 0;
  for (const Slot entry : slots_) {
    out[taken] = entry;
    taken += entry != kEmptySlot ? 1 : 0;
    if (taken == count_ - 1) break;  // every string but the empty one (never in the table) is out
  }
  entries.resize(taken);
  return entries;
}

std::vector<StringPool::Id> StringPool::intern_all_plain(const StringPool& other) {
  std::vector<Id> remap(other.size(), 0);
  const std::vector<PlainEntry> incoming = other.plain_entries();
  std::vector<Id> own(incoming.size());
  intern_entries(other, incoming.data(), incoming.size(), own.data());
  for (std::size_t i = 0; i < incoming.size(); ++i) remap[entry_id(incoming[i])] = own[i];
  return remap;
}

void StringPool::intern_entries(const StringPool& other, const PlainEntry* incoming, std::size_t n, Id* own_ids) {
  // Room for all of them up front, so the table does not move while the loop below reads ahead in it.
  while ((count_ + n + 1) * 4 > slots_.size() * 3) grow();
  // A big store's table and arena are far larger than the cache, so nearly every probe is a miss on the
  // slot and another on the string it names. Touching both a few strings ahead overlaps those misses
  // instead of taking them one after the other (about 3x less time in this loop on a 2 M-event store).
  constexpr std::size_t kSlotAhead = 16;
  constexpr std::size_t kTextAhead = 8;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = 0; i < n + kSlotAhead; ++i) {
    if (i < n) __builtin_prefetch(&slots_[entry_hash(incoming[i]) & mask]);
    if (i >= kTextAhead && i - kTextAhead < n) {
      const PlainEntry next = incoming[i - kTextAhead];
      const Slot seen = slots_[entry_hash(next) & mask];
      if (seen != kEmptySlot && slot_hash(seen) == entry_hash(next)) __builtin_prefetch(get(slot_id(seen)).data());
    }
    if (i >= kSlotAhead) {
      const PlainEntry entry = incoming[i - kSlotAhead];
      own_ids[i - kSlotAhead] = intern_plain(other.get(entry_id(entry)), entry_hash(entry));
    }
  }
}

bool StringPool::qualifies_as_composite(std::string_view text) {
  if (text.size() < kCompositeMinBytes) return false;
  std::size_t lines = 0;
  for (std::size_t pos = text.find('\n'); pos != std::string_view::npos && lines < kCompositeMinLines;
       pos = text.find('\n', pos + 1)) {
    ++lines;
  }
  return lines >= kCompositeMinLines;
}

StringPool::Id StringPool::intern(std::string_view text, bool allow_composite) {
  if (allow_composite && text.size() >= kCompositeMinBytes) {
    if (qualifies_as_composite(text)) {
      std::vector<Id> ids;
      std::size_t start = 0;
      while (start < text.size()) {
        const auto newline = text.find('\n', start);
        const std::size_t end = newline == std::string_view::npos ? text.size() : newline + 1;
        ids.push_back(intern_plain(text.substr(start, end - start)));
        start = end;
      }
      return make_composite(ids);
    }
  }
  return intern_plain(text);
}

std::uint32_t CompositeTable::add(const std::vector<std::uint32_t>& lines) {
  composites_.push_back(Composite{static_cast<std::uint32_t>(segments_.size()), static_cast<std::uint32_t>(lines.size())});
  segments_.insert(segments_.end(), lines.begin(), lines.end());
  return static_cast<std::uint32_t>(composites_.size() - 1);
}

StringPool::Id StringPool::make_composite(const std::vector<Id>& lines) { return composites_.add(lines) | kCompositeBit; }

void StringPool::append_to(Id id, std::string& out) const {
  if (!is_composite(id)) {
    out.append(get(id));
    return;
  }
  for (const Id line : composites_.lines(id & ~kCompositeBit)) out.append(get(line));
}

std::vector<StringPool::Id> StringPool::composite_lines(Id id) const {
  const auto lines = composites_.lines(id & ~kCompositeBit);
  return {lines.begin(), lines.end()};
}

StringPool::Id StringPool::intern_plain(std::string_view text, std::uint32_t hash) {
  if (text.empty()) return 0;
  std::size_t slot = slot_for(text, hash);
  if (slots_[slot] != kEmptySlot) return slot_id(slots_[slot]);
  if ((count_ + 1) * 4 > slots_.size() * 3) {
    grow();
    slot = slot_for(text, hash);
  }
  const Id id = static_cast<Id>(count_);
  push_span(copy_into_arena(text));
  slots_[slot] = make_slot(hash, id);
  return id;
}

std::optional<StringPool::Id> StringPool::find(std::string_view text) const {
  if (text.empty()) return Id{0};
  const std::size_t slot = slot_for(text, hash_of(text));
  if (slots_[slot] == kEmptySlot) return std::nullopt;
  return slot_id(slots_[slot]);
}

std::vector<std::pair<std::string, std::size_t>> StringPool::memory_breakdown() const {
  return {{"arena", chunks_.size() * sizeof(void*) + arena_bytes_ + (kChunkBytes - std::min(chunk_used_, kChunkBytes)) +
                       large_.capacity() * sizeof(std::string_view)},
          {"string spans", spans_.size() * kSpanBlockSize * sizeof(Span)},
          {"hash slots", slots_.capacity() * sizeof(Slot)},
          {"composites", composites_.memory_bytes()}};
}

std::size_t StringPool::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& [name, bytes] : memory_breakdown()) total += bytes;
  return total;
}

}  // namespace lh::siem
