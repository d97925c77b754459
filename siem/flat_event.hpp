#pragma once
// One Windows event in the flat layout of the OTRF exports: top-level keys named as in the Windows XML
// (`EventID`, `Channel`, `Hostname`, `Image`, `TargetLogonId`, ...) with string or number values.
// A FlatEvent is reused from record to record: its views point into the record buffer or into its own
// scratch storage, and stay valid until the next clear().
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lh::siem {

struct FlatField {
  std::string_view key;
  std::string_view value;
  bool is_number = false;  // the JSON value was a number (EventID is one in OTRF, most others are strings)
};

class FlatEvent {
 public:
  void clear() {
    count_ = 0;
    index_.fill(0);
    duplicate_keys_ = false;
    if (scratch_in_use_) release_scratch();
  }

  // Adds a field whose key/value bytes outlive this event's use (record buffer, parser strings). Inlined:
  // the JSON-lines reader adds some thirty fields per event.
#if defined(__GNUC__)
  [[gnu::always_inline]]
#endif
  void add(std::string_view key, std::string_view value, bool is_number = false) {
    if (count_ == fields_.size()) [[unlikely]] grow();
    fields_[count_] = FlatField{key, value, is_number};
    remember(key);
  }
  // Adds a field whose value is copied into scratch storage (decoded or synthesised text).
  void add_copy(std::string_view key, std::string_view value, bool is_number = false);
  void add_copy_key(std::string_view key, std::string_view value, bool is_number = false);

  // The fields in the order they were added (a contiguous range: data(), size(), operator[], iteration).
  [[nodiscard]] std::span<const FlatField> fields() const { return {fields_.data(), count_}; }
  [[nodiscard]] std::size_t size() const { return count_; }
  // First field with exactly this key (keys are case-sensitive as in Windows XML). Inline, so that the tag
  // of a literal key is computed at compile time (the normaliser looks up some twenty keys per event).
  [[nodiscard]] const FlatField* find(std::string_view key) const {
    const std::uint32_t tag = key_tag(key);
    for (std::size_t slot = index_slot(tag); index_[slot] != 0; slot = (slot + 1) % kIndexSlots) {
      const std::size_t i = index_[slot] - 1u;
      if (key_tags_[i] == tag && fields_[i].key == key) return &fields_[i];
    }
    return count_ > kIndexedFields ? find_beyond_index(key, tag) : nullptr;
  }
  [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const {
    if (const auto* field = find(key)) return field->value;
    return std::nullopt;
  }
  // Value, or empty when absent.
  [[nodiscard]] std::string_view value_or_empty(std::string_view key) const {
    if (const auto* field = find(key)) return field->value;
    return {};
  }
  [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view key) const;
  // A cheap tag of a key (length, first and last byte): keys with different tags differ.
  [[nodiscard]] static constexpr std::uint32_t key_tag(std::string_view key) {
    const std::size_t size = key.size();
    if (size == 0) return 0;
    return static_cast<std::uint32_t>(size & 0xFFFF) | (std::uint32_t{static_cast<unsigned char>(key.data()[0])} << 16) |
           (std::uint32_t{static_cast<unsigned char>(key.data()[size - 1])} << 24);
  }
  // Whether some key occurs twice (JSON allows it; find() returns the first).
  [[nodiscard]] bool has_duplicate_keys() const { return duplicate_keys_; }
  // Events up to this many fields have every key indexed (and has_duplicate_keys() is exact for them).
  static constexpr std::size_t kIndexedFields = 48;
  // key_tag(fields()[index].key).
  [[nodiscard]] std::uint32_t key_tag_at(std::size_t index) const { return key_tags_[index]; }

 private:
  // Fields and the tags of their keys live in arrays that only grow: fields_[0, count_) are this event's,
  // so that adding a field is two stores and an index probe, with one capacity check.
  std::vector<FlatField> fields_;
  std::vector<std::uint32_t> key_tags_;
  std::size_t count_ = 0;
  // An open-addressing table over the tags of the first kIndexedFields fields (1 + field index; 0 is empty),
  // so find() (some ten calls per event from the normaliser) probes a slot or two instead of comparing
  // against every key. Linear probing keeps equal keys in insertion order, so the first field with a key is
  // still the one found.
  static constexpr std::size_t kIndexSlots = 64;
  bool duplicate_keys_ = false;
  bool scratch_in_use_ = false;
  std::array<std::uint8_t, kIndexSlots> index_{};
  static constexpr std::size_t index_slot(std::uint32_t tag) {
    return static_cast<std::size_t>((tag * 0x9E3779B1u) >> 26);  // top 6 bits: kIndexSlots == 64
  }
  // Records the tag of fields_[count_]'s key, indexes it, and counts the field in.
#if defined(__GNUC__)
  [[gnu::always_inline]]
#endif
  void remember(std::string_view key) {
    const std::uint32_t tag = key_tag(key);
    key_tags_[count_] = tag;
    ++count_;
    if (count_ > kIndexedFields) return;
    std::size_t slot = index_slot(tag);
    while (index_[slot] != 0) {
      const std::size_t other = index_[slot] - 1u;
      if (key_tags_[other] == tag && fields_[other].key == key) duplicate_keys_ = true;
      slot = (slot + 1) % kIndexSlots;
    }
    index_[slot] = static_cast<std::uint8_t>(count_);
  }
  void grow();
  // find() over the fields past the indexed ones (rare: very wide events).
  [[nodiscard]] const FlatField* find_beyond_index(std::string_view key, std::uint32_t tag) const;
  // Stable storage for copied strings: chunks never move once allocated.
  std::vector<std::string> scratch_chunks_;
  std::size_t scratch_chunk_in_use_ = 0;
  std::string_view store(std::string_view text);
  void release_scratch();
};

}  // namespace lh::siem
