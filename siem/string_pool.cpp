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

std::size_t StringPool::slot_for(std::string_view text, std::size_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t slot = hash & mask;
  while (slots_[slot] != kEmptySlot && views_[slots_[slot]] != text) slot = (slot + 1) & mask;
  return slot;
}

void StringPool::grow() {
  std::vector<Id> old(slots_.size() * 2, kEmptySlot);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (Id id : old) {
    if (id == kEmptySlot) continue;
    std::size_t slot = std::hash<std::string_view>{}(views_[id]) & mask;
    while (slots_[slot] != kEmptySlot) slot = (slot + 1) & mask;
    slots_[slot] = id;
  }
}

StringPool::Id StringPool::intern(std::string_view text) {
  if (text.empty()) return 0;
  const std::size_t hash = std::hash<std::string_view>{}(text);
  std::size_t slot = slot_for(text, hash);
  if (slots_[slot] != kEmptySlot) return slots_[slot];
  if ((views_.size() + 1) * 2 > slots_.size()) {
    grow();
    slot = slot_for(text, hash);
  }
  const Id id = static_cast<Id>(views_.size());
  views_.push_back(copy_into_arena(text));
  slots_[slot] = id;
  return id;
}

std::optional<StringPool::Id> StringPool::find(std::string_view text) const {
  if (text.empty()) return Id{0};
  const std::size_t slot = slot_for(text, std::hash<std::string_view>{}(text));
  if (slots_[slot] == kEmptySlot) return std::nullopt;
  return slots_[slot];
}

std::size_t StringPool::memory_bytes() const {
  return chunks_.size() * sizeof(void*) + arena_bytes_ + (kChunkBytes - std::min(chunk_used_, kChunkBytes)) +
         views_.capacity() * sizeof(std::string_view) + slots_.capacity() * sizeof(Id);
}

}  // namespace lh::siem
