#include "siem/string_pool.hpp"

#include <cstring>
#include <functional>

namespace lh::siem {

StringPool::StringPool() {
  slots_.assign(1024, kEmptySlot);
  views_.emplace_back();
  views_.reserve(1024);
}

std::string_view StringPool::copy_into_arena(std::string_view text) {
  if (text.size() > kChunkBytes / 4) {
    // Large strings get their own block so the shared chunk is not wasted.
    auto block = std::make_unique<char[]>(text.size());
    std::memcpy(block.get(), text.data(), text.size());
    const std::string_view view(block.get(), text.size());
    chunks_.insert(chunks_.end() - (chunks_.empty() ? 0 : 1), std::move(block));
    arena_bytes_ += text.size();
    return view;
  }
  if (chunk_used_ + text.size() > kChunkBytes) {
    chunks_.push_back(std::make_unique<char[]>(kChunkBytes));
    chunk_used_ = 0;
  }
  char* destination = chunks_.back().get() + chunk_used_;
  std::memcpy(destination, text.data(), text.size());
  chunk_used_ += text.size();
  arena_bytes_ += text.size();
  return {destination, text.size()};
}

std::uint32_t StringPool::hash_of(std::string_view text) {
  const std::size_t full = std::hash<std::string_view>{}(text);
  return static_cast<std::uint32_t>(full ^ (full >> 32));
}

std::size_t StringPool::slot_for(std::string_view text, std::uint32_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = hash & mask;
  for (;;) {
    const Slot entry = slots_[slot];
    if (entry == kEmptySlot) return slot;
    if (slot_hash(entry) == hash && views_[slot_id(entry)] == text) return slot;
    slot = (slot + 1) & mask;
  }
}

void StringPool::grow() {
  std::vector<Slot> old(slots_.size() * 2, kEmptySlot);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (const Slot entry : old) {
    if (entry == kEmptySlot) continue;
    std::size_t slot = slot_hash(entry) & mask;
    while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask;
    slots_[slot] = entry;
  }
}

std::vector<StringPool::Id> StringPool::intern_all_plain(const StringPool& other) {
  std::vector<Id> remap(other.views_.size(), 0);
  for (const Slot entry : other.slots_) {
    if (entry == kEmptySlot) continue;
    remap[slot_id(entry)] = intern_plain(other.views_[slot_id(entry)], slot_hash(entry));
  }
  return remap;
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

StringPool::Id StringPool::make_composite(const std::vector<Id>& lines) {
  composites_.push_back(Composite{static_cast<std::uint32_t>(segments_.size()), static_cast<std::uint32_t>(lines.size())});
  segments_.insert(segments_.end(), lines.begin(), lines.end());
  return static_cast<Id>(composites_.size() - 1) | kCompositeBit;
}

void StringPool::append_to(Id id, std::string& out) const {
  if (!is_composite(id)) {
    out.append(views_[id]);
    return;
  }
  const Composite& composite = composites_[id & ~kCompositeBit];
  for (std::uint32_t i = 0; i < composite.count; ++i) out.append(views_[segments_[composite.first + i]]);
}

std::vector<StringPool::Id> StringPool::composite_lines(Id id) const {
  const Composite& composite = composites_[id & ~kCompositeBit];
  return {segments_.begin() + composite.first, segments_.begin() + composite.first + composite.count};
}

StringPool::Id StringPool::intern_plain(std::string_view text, std::uint32_t hash) {
  if (text.empty()) return 0;
  std::size_t slot = slot_for(text, hash);
  if (slots_[slot] != kEmptySlot) return slot_id(slots_[slot]);
  if ((views_.size() + 1) * 2 > slots_.size()) {
    grow();
    slot = slot_for(text, hash);
  }
  const Id id = static_cast<Id>(views_.size());
  views_.push_back(copy_into_arena(text));
  slots_[slot] = make_slot(hash, id);
  return id;
}

std::optional<StringPool::Id> StringPool::find(std::string_view text) const {
  if (text.empty()) return Id{0};
  const std::size_t slot = slot_for(text, hash_of(text));
  if (slots_[slot] == kEmptySlot) return std::nullopt;
  return slot_id(slots_[slot]);
}

std::size_t StringPool::memory_bytes() const {
  return chunks_.size() * sizeof(void*) + arena_bytes_ + (kChunkBytes - std::min(chunk_used_, kChunkBytes)) +
         views_.capacity() * sizeof(std::string_view) + slots_.capacity() * sizeof(Slot) +
         composites_.capacity() * sizeof(Composite) + segments_.capacity() * sizeof(Id);
}

}  // namespace lh::siem
