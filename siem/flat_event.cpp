#include "siem/flat_event.hpp"

#include <algorithm>

#include "siem/text_util.hpp"

namespace lh::siem {
namespace {
constexpr std::size_t kScratchChunk = 16 * 1024;
}

void FlatEvent::release_scratch() {
  for (auto& chunk : scratch_chunks_) chunk.clear();
  scratch_chunk_in_use_ = 0;
  scratch_in_use_ = false;
}

void FlatEvent::grow() {
  const std::size_t capacity = std::max<std::size_t>(64, fields_.size() * 2);
  fields_.resize(capacity);
  key_tags_.resize(capacity);
}

std::string_view FlatEvent::store(std::string_view text) {
  scratch_in_use_ = true;
  // Find a chunk with room; a chunk's capacity is reserved once so appends never reallocate it.
  while (scratch_chunk_in_use_ < scratch_chunks_.size()) {
    auto& chunk = scratch_chunks_[scratch_chunk_in_use_];
    if (chunk.capacity() - chunk.size() >= text.size()) {
      const std::size_t offset = chunk.size();
      chunk.append(text);
      return std::string_view(chunk).substr(offset, text.size());
    }
    ++scratch_chunk_in_use_;
  }
  std::string chunk;
  chunk.reserve(std::max(kScratchChunk, text.size()));
  chunk.append(text);
  scratch_chunks_.push_back(std::move(chunk));
  scratch_chunk_in_use_ = scratch_chunks_.size() - 1;
  return std::string_view(scratch_chunks_.back());
}

void FlatEvent::add_copy(std::string_view key, std::string_view value, bool is_number) {
  const auto stored_value = store(value);
  add(key, stored_value, is_number);
}

void FlatEvent::add_copy_key(std::string_view key, std::string_view value, bool is_number) {
  const auto stored_key = store(key);
  const auto stored_value = store(value);
  add(stored_key, stored_value, is_number);
}

const FlatField* FlatEvent::find_beyond_index(std::string_view key, std::uint32_t tag) const {
  for (std::size_t i = kIndexedFields; i < count_; ++i) {
    if (key_tags_[i] == tag && fields_[i].key == key) return &fields_[i];
  }
  return nullptr;
}

std::optional<std::int64_t> FlatEvent::get_int(std::string_view key) const {
  if (const auto* field = find(key)) return parse_integer(field->value);
  return std::nullopt;
}

}  // namespace lh::siem
