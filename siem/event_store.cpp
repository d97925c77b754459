#include "siem/event_store.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "siem/clock_correction.hpp"
#include "siem/input_source.hpp"
#include "siem/integer_map.hpp"
#include "siem/intern_cache.hpp"
#include "siem/normalise.hpp"
#include "siem/shared_string_pool.hpp"
#include "siem/string_pool.hpp"
#include "siem/text_util.hpp"
#include "udm/query_compiler.hpp"
#include "udm/query_parser.hpp"

namespace lh::siem {
namespace {

// One stored value: 8 bytes. The value's type is the field's type in the catalogue. Strings are pool ids
// (composites included); integers that fit in 32 bits are inline, larger ones are in a side table (key ==
// kBigInteger); enums are ordinals. Map keys (labels, additional.fields) are small ids into the store's key
// table (Windows field names: a few hundred distinct).
struct Entry {
  udm::FieldId field = 0;
  std::uint16_t key = 0;
  std::uint32_t value = 0;
};
static_assert(sizeof(Entry) == 8);
constexpr std::uint16_t kNoKey = 0;
constexpr std::uint16_t kBigInteger = UINT16_MAX;
constexpr std::size_t kMaxKeys = UINT16_MAX - 1;  // ids 1 .. 65534

// A value while a unit is being built: unit-local pool ids, full-width key, and what the value is (so the
// merge need not look up the field's type).
enum class BatchValue : std::uint8_t { number, big_integer, string };
struct BatchEntry {
  udm::FieldId field = 0;
  BatchValue kind = BatchValue::number;
  std::uint32_t key = 0;
  std::uint32_t value = 0;
};

// A slice's values while they are built: appending (some forty times per event) is a compare and a store;
// growing, off that path, doubles through PageAllocator. The buffer is kept from slice to slice.
class BatchEntries {
 public:
  void push_back(const BatchEntry& entry) {
    if (size_ == entries_.size()) [[unlikely]] grow();
    entries_[size_++] = entry;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  void truncate(std::size_t size) { size_ = std::min(size, size_); }
  void clear() { size_ = 0; }
  const BatchEntry& operator[](std::size_t index) const { return entries_[index]; }
  [[nodiscard]] const BatchEntry* begin() const { return entries_.data(); }
  [[nodiscard]] const BatchEntry* end() const { return entries_.data() + size_; }

 private:
  void grow() { entries_.resize(std::max<std::size_t>(4096, entries_.size() * 2)); }
  PageVector<BatchEntry> entries_;
  std::size_t size_ = 0;
};

// All entries, in fixed-size blocks: growing never copies what is stored (a doubling vector would need
// three times its size at the moment it reallocates). An event's entries never straddle two blocks.
class EntryBlocks {
 public:
  static constexpr std::uint32_t kBlockEntries = 1u << 18;  // 2 MiB per block

  // Room for `count` contiguous entries; returns their position.
  std::uint32_t allocate(std::uint32_t count) {
    if (blocks_.empty() || used_ + count > kBlockEntries) {
      blocks_.emplace_back(kBlockEntries);
      used_ = 0;
    }
    const auto position = static_cast<std::uint32_t>((blocks_.size() - 1) * kBlockEntries + used_);
    used_ += count;
    return position;
  }
  Entry* at(std::uint32_t position) { return blocks_[position / kBlockEntries].get() + position % kBlockEntries; }
  const Entry* at(std::uint32_t position) const {
    return blocks_[position / kBlockEntries].get() + position % kBlockEntries;
  }
  [[nodiscard]] std::size_t memory_bytes() const { return blocks_.size() * kBlockEntries * sizeof(Entry); }

 private:
  std::vector<PageArray<Entry>> blocks_;
  std::uint32_t used_ = 0;
};

struct EventRecord {
  std::int64_t time_us = 0;
  std::uint32_t first = 0;  // first entry
  std::uint32_t unit = 0;   // index into the unit names
  std::uint32_t line = 0;
  std::uint16_t count = 0;  // number of entries
  std::uint16_t ordinal = 0;  // position among the events of the same line (array documents)
};
static_assert(sizeof(EventRecord) == 24);

// The fields with posting lists keyed by string id; metadata.event_type is keyed by enum ordinal. Besides
// the fields Chronicle indexes, the process images and command lines hunt queries filter on: they have few
// distinct values next to the events holding them, so testing each distinct value once replaces testing
// every event.
constexpr std::array<udm::FieldId, 12> kStringIndexedFields = {
    udm::fields::product_event_type,
    udm::fields::principal_hostname,
    udm::fields::target_hostname,
    udm::fields::principal_ip,
    udm::fields::target_ip,
    udm::fields::principal_user_userid,
    udm::fields::target_user_userid,
    udm::field(udm::Noun::Principal, udm::NounField::ProcessFileFullPath),
    udm::field(udm::Noun::Target, udm::NounField::ProcessFileFullPath),
    udm::field(udm::Noun::Src, udm::NounField::ProcessFileFullPath),
    udm::field(udm::Noun::Principal, udm::NounField::ProcessCommandLine),
    udm::field(udm::Noun::Target, udm::NounField::ProcessCommandLine)};

// One string value as an event, for testing a condition against an index's distinct values.
class SingleValueView final : public udm::EventView {
 public:
  SingleValueView(udm::FieldId field, std::string_view text) : field_(field), text_(text) {}
  std::int64_t timestamp_us() const override { return 0; }
  bool for_each_value(udm::FieldId field, udm::ValueVisitor visit) const override {
    return field != field_ || visit(udm::Value{udm::ValueType::String, text_, 0, {}});
  }
  bool for_each_field(udm::FieldValueVisitor visit) const override {
    return visit(field_, udm::Value{udm::ValueType::String, text_, 0, {}});
  }

 private:
  udm::FieldId field_;
  std::string_view text_;
};

// Enum fields with posting lists keyed by ordinal: the event type, and the two enums hunt queries pin
// (INBOUND connections, NETWORK logons).
constexpr std::array<udm::FieldId, 3> kEnumIndexedFields = {
    udm::fields::event_type, udm::field(udm::TopField::NetworkDirection),
    udm::field(udm::TopField::ExtensionsAuthMechanism)};

// Per field id: its posting-list slot among kEnumIndexedFields / kStringIndexedFields (-1: none), its value
// type and whether it is a map. Indexing and building look these up for every value, so they are a table
// rather than a search or a call into the catalogue.
struct FieldTraits {
  std::vector<std::int8_t> enum_slot;
  std::vector<std::int8_t> string_slot;
  std::vector<udm::ValueType> type;
  std::vector<std::uint8_t> is_map;
  FieldTraits() {
    const std::size_t limit = udm::field_id_limit();
    enum_slot.assign(limit, -1);
    string_slot.assign(limit, -1);
    type.resize(limit);
    is_map.resize(limit);
    for (std::size_t i = 0; i < kEnumIndexedFields.size(); ++i) enum_slot[kEnumIndexedFields[i]] = static_cast<std::int8_t>(i);
    for (std::size_t i = 0; i < kStringIndexedFields.size(); ++i) {
      string_slot[kStringIndexedFields[i]] = static_cast<std::int8_t>(i);
    }
    for (std::size_t id = 0; id < limit; ++id) {
      type[id] = udm::field_info(static_cast<udm::FieldId>(id)).type;
      is_map[id] = udm::field_info(static_cast<udm::FieldId>(id)).is_map ? 1 : 0;
    }
  }
};

const FieldTraits& field_traits() {
  static const FieldTraits traits;
  return traits;
}

int enum_index_slot(udm::FieldId field) {
  const auto& slots = field_traits().enum_slot;
  return field < slots.size() ? slots[field] : -1;
}

int string_index_slot(udm::FieldId field) {
  const auto& slots = field_traits().string_slot;
  return field < slots.size() ? slots[field] : -1;
}

std::uint64_t fnv1a(std::string_view text, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

struct EventStore::Data {
  Data() {
    field_types.resize(udm::field_id_limit());
    field_rank.resize(udm::field_id_limit());
    for (udm::FieldId id = 0; id < udm::field_id_limit(); ++id) {
      field_types[id] = udm::field_info(id).type;
      field_rank[id] = udm::field_info(id).is_map ? kMapRankBase + id : id;
    }
    // The normaliser writes additional.fields last: ranked last, they are already in place.
    field_rank[udm::fields::additional_fields] = kMapRankBase + kMapRankBase - 1;
    key_strings.push_back(0);
  }

  // An event's entries are kept sorted by field rank: plain fields by id, then map fields by id. A
  // plain-field lookup stops after the few plain entries, a map field's entries are found by binary search
  // and then filtered by key. Values of one field, and of one map, keep their insertion order (the sort is
  // stable), so sorting costs next to nothing (keeping additional.fields ordered by key as well meant
  // reordering a score of values in every event, for lookups that are no faster over so few).
  static constexpr std::uint32_t kMapRankBase = 1u << 16;
  [[nodiscard]] std::uint32_t sort_key(const Entry& entry) const { return field_rank[entry.field]; }
  // Sorts `count` entries by their precomputed sort keys (moved along). Insertion sort: the normaliser emits
  // entries nearly in this order already, so this is close to linear.
  static void sort_entries(Entry* entries, std::uint32_t* keys, std::uint32_t count) {
    for (std::uint32_t current = 1; current < count; ++current) {
      const Entry moving = entries[current];
      const std::uint32_t moving_key = keys[current];
      std::uint32_t hole = current;
      while (hole != 0 && keys[hole - 1] > moving_key) {
        entries[hole] = entries[hole - 1];
        keys[hole] = keys[hole - 1];
        --hole;
      }
      entries[hole] = moving;
      keys[hole] = moving_key;
    }
  }
  // The entries of `field` within [begin, end); for a map field, of every key (callers filter by key).
  std::pair<const Entry*, const Entry*> entries_of(const Entry* begin, const Entry* end, udm::FieldId field) const {
    const std::uint32_t rank = field_rank[field];
    if (rank < kMapRankBase) {
      const Entry* first = begin;
      while (first != end && field_rank[first->field] < rank) ++first;
      const Entry* last = first;
      while (last != end && last->field == field) ++last;
      return {first, last};
    }
    const Entry* first = std::partition_point(begin, end, [&](const Entry& e) { return sort_key(e) < rank; });
    const Entry* last = std::partition_point(first, end, [&](const Entry& e) { return sort_key(e) <= rank; });
    return {first, last};
  }

  // Small key id for a pool id; kNoKey when the key table is full.
  std::uint16_t key_id(std::uint32_t pool_id) {
    if (pool_id == 0) return kNoKey;
    if (const auto it = key_ids.find(pool_id); it != key_ids.end()) return it->second;
    if (key_strings.size() > kMaxKeys) return kNoKey;
    const auto id = static_cast<std::uint16_t>(key_strings.size());
    key_strings.push_back(pool_id);
    key_ids.emplace(pool_id, id);
    return id;
  }

  std::vector<udm::ValueType> field_types;
  std::vector<std::uint32_t> field_rank;                    // see sort_key
  std::vector<std::uint32_t> key_strings;                   // key id → pool id
  std::unordered_map<std::uint32_t, std::uint16_t> key_ids;  // pool id → key id
  SharedStringPool pool;
  EntryBlocks entries;
  PageVector<EventRecord> events;
  std::vector<std::int64_t> big_ints;
  std::size_t dropped_keys = 0;  // map values whose key did not fit the key table (reported by load)
  std::vector<std::string> units;
  // Per event (in time order), which fields it holds: one word of field bits, then kKeyMaskWords words of
  // map-key bits (key id mod 64). Field bits number only the fields that occur in the store (field_bit, in
  // order of field id; past 64 they share bits, which weakens the filter but never rejects a match), so
  // 16 bytes per event do most of what 56 did. Merges note which fields occur (field_present, a bit per
  // field id), so the bits are known before the masks are built, on two threads.
  static constexpr std::size_t kKeyMaskWords = 1;
  static constexpr std::uint8_t kNoFieldBit = UINT8_MAX;
  static constexpr std::size_t field_words = 1;
  static constexpr std::size_t mask_stride = field_words + kKeyMaskWords;
  std::vector<std::uint8_t> field_bit;
  std::vector<std::uint64_t> field_present = std::vector<std::uint64_t>((udm::field_id_limit() + 63) / 64, 0);
  // Fresh zeroed pages, written once per event by finish() (filling them first would fault every page in
  // on one thread before the two threads write them).
  PageArray<std::uint64_t> masks;
  std::size_t mask_words = 0;
  // Posting lists grow in mapped pages and are never shrunk: the unused tail of a doubled list is never
  // touched, so it costs address space, not memory (a shrinking copy would cost both, at the peak).
  std::array<std::vector<Postings>, kEnumIndexedFields.size()> by_enum;  // [slot][ordinal]
  std::array<StringPostings, kStringIndexedFields.size()> by_string;
  std::optional<std::int64_t> now;
  std::string name_prefix = "projects/lateral-hunt/locations/local/instances/embedded";
  bool finished = true;
  std::mutex merge_mutex;

  // `scratch` receives composite strings; the returned text stays valid while `scratch` keeps it.
  udm::Value value_of(const Entry& entry, std::deque<std::string>& scratch) const {
    udm::Value value;
    value.type = field_types[entry.field];
    if (entry.key != kNoKey && entry.key != kBigInteger) value.key = pool.get(key_strings[entry.key]);
    switch (value.type) {
      case udm::ValueType::String:
        if (StringPool::is_composite(entry.value)) {
          pool.append_to(entry.value, scratch.emplace_back());
          value.text = scratch.back();
        } else {
          value.text = pool.get(entry.value);
        }
        break;
      case udm::ValueType::Enum: value.number = entry.value; break;
      default:
        value.number = entry.key == kBigInteger ? big_ints[entry.value]
                                                : static_cast<std::int64_t>(static_cast<std::int32_t>(entry.value));
        break;
    }
    return value;
  }
};

namespace {

// EventView over one stored event; reused across candidates without allocation.
class StoredEventView final : public udm::EventView {
 public:
  explicit StoredEventView(const EventStore::Data& data, std::uint32_t index = 0) : data_(data), index_(index) {}
  void set_index(std::uint32_t index) {
    index_ = index;
    scratch_.clear();
  }

  std::int64_t timestamp_us() const override { return data_.events[index_].time_us; }
  bool for_each_value(udm::FieldId field, udm::ValueVisitor visit) const override {
    const auto& record = data_.events[index_];
    const Entry* begin = data_.entries.at(record.first);
    const auto [first, last] = data_.entries_of(begin, begin + record.count, field);
    for (const Entry* e = first; e != last; ++e) {
      if (!visit(data_.value_of(*e, scratch_))) return false;
    }
    return true;
  }
  bool for_each_field(udm::FieldValueVisitor visit) const override {
    const auto& record = data_.events[index_];
    const Entry* begin = data_.entries.at(record.first);
    for (const Entry* e = begin; e != begin + record.count; ++e) {
      if (!visit(e->field, data_.value_of(*e, scratch_))) return false;
    }
    return true;
  }
  bool for_each_map_value(udm::FieldId map_field, std::string_view key, udm::ValueVisitor visit) const override {
    // A predicate asks for the same few keys on every event: remember the last lookup.
    if (!cached_key_valid_ || key != cached_key_) {
      cached_key_.assign(key);
      cached_key_valid_ = true;
      cached_key_id_ = kNoKey;
      if (const auto pool_id = data_.pool.find(key)) {
        if (const auto found = data_.key_ids.find(*pool_id); found != data_.key_ids.end()) cached_key_id_ = found->second;
      }
    }
    if (cached_key_id_ == kNoKey) return true;
    const std::uint16_t key_id = cached_key_id_;
    const auto& record = data_.events[index_];
    const Entry* begin = data_.entries.at(record.first);
    const auto [first, last] = data_.entries_of(begin, begin + record.count, map_field);
    for (const Entry* e = first; e != last; ++e) {
      if (e->key == key_id && !visit(data_.value_of(*e, scratch_))) return false;
    }
    return true;
  }

 private:
  const EventStore::Data& data_;
  std::uint32_t index_;
  // Composite strings materialised for the current event (views into it are handed to visitors).
  mutable std::deque<std::string> scratch_;
  mutable std::string cached_key_;
  mutable bool cached_key_valid_ = false;
  mutable std::uint16_t cached_key_id_ = kNoKey;
};

}  // namespace

// Builds the events of one input unit with unit-local interning, then merges them into the store.
class StoreBatch final : public udm::EventBuilder {
 public:
  static constexpr std::size_t kMaxValuesPerEvent = UINT16_MAX;
  struct Pending {
    std::int64_t time_us = 0;
    std::uint32_t first = 0;
    std::uint32_t count = 0;
    std::uint32_t line = 0;
    std::uint16_t ordinal = 0;
    TimeSource time_source = TimeSource::none;
    std::uint32_t host = 0;  // local id of the reporting host
  };

  // A new input unit: line numbers start over (the batch itself must be empty, i.e. merged).
  void start_unit() { has_last_line_ = false; }
  void begin(std::size_t line) {
    current_ = Pending{};
    current_.first = static_cast<std::uint32_t>(entries_.size());
    current_.line = static_cast<std::uint32_t>(line);
    current_.ordinal = (has_last_line_ && last_line_ == current_.line) ? static_cast<std::uint16_t>(last_ordinal_ + 1)
                                                                        : std::uint16_t{0};
  }
  // False (and the event dropped) when it has more values than a record can address.
  bool commit(TimeSource source, std::string_view host) {
    if (entries_.size() - current_.first > kMaxValuesPerEvent) {
      abort();
      return false;
    }
    current_.count = static_cast<std::uint32_t>(entries_.size() - current_.first);
    current_.time_source = source;
    current_.host = recent_.intern(pool_, host, false);
    events_.push_back(current_);
    has_last_line_ = true;
    last_line_ = current_.line;
    last_ordinal_ = current_.ordinal;
    return true;
  }
  void abort() { entries_.truncate(current_.first); }
  // The slice's string id of the host name of the event committed last.
  [[nodiscard]] StringPool::Id last_host() const { return current_.host; }
  // The store's id of a string of the slice merged last (until the next merge).
  [[nodiscard]] std::uint32_t merged_id(StringPool::Id local) const { return global_of_[local]; }
  bool has_type(udm::FieldId field, udm::ValueType type) const {
    return field < traits_.type.size() && traits_.type[field] == type;
  }

  void set_timestamp_us(std::int64_t micros) override { current_.time_us = micros; }
  void add_string(udm::FieldId field, std::string_view value) override {
    if (!has_type(field, udm::ValueType::String)) return;  // builder precondition broken: drop
    entries_.push_back(BatchEntry{field, BatchValue::string, 0, recent_.intern(pool_, value)});
  }
  void add_integer(udm::FieldId field, std::int64_t value) override {
    if (!has_type(field, udm::ValueType::Integer) && !has_type(field, udm::ValueType::Bool)) return;
    if (value >= INT32_MIN && value <= INT32_MAX) {
      entries_.push_back(
          BatchEntry{field, BatchValue::number, 0, static_cast<std::uint32_t>(static_cast<std::int32_t>(value))});
    } else {
      entries_.push_back(BatchEntry{field, BatchValue::big_integer, 0, static_cast<std::uint32_t>(big_ints_.size())});
      big_ints_.push_back(value);
    }
  }
  void add_enum(udm::FieldId field, udm::EnumOrdinal value) override {
    if (!has_type(field, udm::ValueType::Enum)) return;
    entries_.push_back(BatchEntry{field, BatchValue::number, 0, value});
  }
  using udm::EventBuilder::add_enum;
  void add_map_string(udm::FieldId map_field, std::string_view key, std::string_view value) override {
    if (map_field >= traits_.is_map.size() || traits_.is_map[map_field] == 0) return;
    const StringPool::Id key_id = recent_.intern(pool_, key, false);
    // The slice's distinct keys, so the merge maps a few hundred keys instead of looking at every value.
    if (key_id >= key_listed_.size()) key_listed_.resize(std::max<std::size_t>(key_id + 1, key_listed_.size() * 2));
    if (key_listed_[key_id] == 0) {
      key_listed_[key_id] = 1;
      slice_keys_.push_back(key_id);
    }
    entries_.push_back(BatchEntry{map_field, BatchValue::string, key_id, recent_.intern(pool_, value)});
  }

  // An event whose time came from a shipper field, to be corrected once its unit has been read.
  struct Correction {
    std::uint32_t index = 0;  // in the store's events
    std::uint32_t host = 0;   // store pool id of the reporting host
    TimeSource source = TimeSource::none;
  };

  // Moves the built events into the store and empties the batch (so a unit is merged in slices and its
  // unit-local strings never pile up; a unit pool kept across slices made the local table too big for the
  // cache and cost more than the store probes it saved). Shipper-timed events are appended to `corrections`.
  void merge_into(EventStore::Data& data, std::uint32_t unit, PageVector<Correction>* corrections) {
    // The strings go into the store's pool under its shards' own locks (the unit pool's stored hashes are
    // reused, so no string is hashed twice).
    global_of_ = data.pool.intern_all_plain(pool_);
    const std::vector<std::uint32_t>& global_of = global_of_;
    std::vector<std::uint32_t> global_of_composite(pool_.composite_count());
    for (std::uint32_t c = 0; c < global_of_composite.size(); ++c) {
      auto lines = pool_.composite_lines(c | StringPool::kCompositeBit);
      for (auto& line : lines) line = global_of[line];
      global_of_composite[c] = data.pool.make_composite(lines);
    }
    std::vector<std::uint16_t> key_of;  // store key id per unit string, looked up once per slice
    std::vector<Entry*> out_of(events_.size());
    std::uint32_t big_base = 0;
    {
      // Only what touches the store's other shared structures holds this lock: the key table, where each
      // event's values go and its record. The values themselves are written below, outside it, while the
      // other loading thread can merge (nothing reads them before finish()).
      std::lock_guard lock(data.merge_mutex);
      key_of.assign(global_of.size(), kNoKey);
      for (const std::uint32_t key : slice_keys_) key_of[key] = data.key_id(global_of[key]);
      big_base = static_cast<std::uint32_t>(data.big_ints.size());
      data.big_ints.insert(data.big_ints.end(), big_ints_.begin(), big_ints_.end());
      for (std::size_t i = 0; i < events_.size(); ++i) {
        const Pending& event = events_[i];
        const std::uint32_t position = data.entries.allocate(event.count);
        out_of[i] = data.entries.at(position);  // blocks never move, so the address outlives the lock
        if (corrections && event.time_source != TimeSource::none && event.time_source != TimeSource::sysmon_utc) {
          corrections->push_back(
              Correction{static_cast<std::uint32_t>(data.events.size()), global_of[event.host], event.time_source});
        }
        data.events.push_back(EventRecord{event.time_us, position, unit, event.line,
                                          static_cast<std::uint16_t>(event.count), event.ordinal});
      }
      data.finished = false;
    }
    std::size_t dropped_keys = 0;
    // A byte per field id, set by a plain store: or-ing bits into a word made every value wait for the
    // previous value's update of the same word.
    std::vector<std::uint8_t> present(udm::field_id_limit(), 0);
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const Pending& event = events_[i];
      Entry* out = out_of[i];
      if (sort_keys_.size() < event.count) sort_keys_.resize(event.count);
      std::uint32_t* keys = sort_keys_.data();
      std::uint32_t previous_key = 0;
      bool in_order = true;
      for (std::uint32_t k = 0; k < event.count; ++k) {
        const BatchEntry& built = entries_[event.first + k];
        Entry entry{built.field, kNoKey, built.value};
        if (built.key != 0) {
          entry.key = key_of[built.key];
          if (entry.key == kNoKey) ++dropped_keys;
        }
        if (built.kind == BatchValue::string) {
          entry.value = StringPool::is_composite(built.value)
                            ? global_of_composite[built.value & ~StringPool::kCompositeBit]
                            : global_of[built.value];
        } else if (built.kind == BatchValue::big_integer) {
          entry.key = kBigInteger;
          entry.value += big_base;
        }
        out[k] = entry;
        present[entry.field] = 1;
        const std::uint32_t key = data.sort_key(entry);
        keys[k] = key;
        in_order = in_order && key >= previous_key;
        previous_key = key;
      }
      if (!in_order) EventStore::Data::sort_entries(out, keys, event.count);
    }
    {
      std::lock_guard lock(data.merge_mutex);
      data.dropped_keys += dropped_keys;
      for (std::size_t field = 0; field < present.size(); ++field) {
        if (present[field] != 0) data.field_present[field / 64] |= std::uint64_t{1} << (field % 64);
      }
    }
    for (const std::uint32_t key : slice_keys_) key_listed_[key] = 0;
    slice_keys_.clear();
    pool_.clear();
    recent_.clear();
    entries_.clear();
    big_ints_.clear();
    events_.clear();
  }

  [[nodiscard]] std::size_t event_count() const { return events_.size(); }

 private:
  const FieldTraits& traits_ = field_traits();
  StringPool pool_;
  InternCache recent_;  // in front of pool_
  BatchEntries entries_;
  std::vector<std::uint8_t> key_listed_;  // per unit pool id: in slice_keys_
  std::vector<std::uint32_t> slice_keys_;
  std::vector<std::uint32_t> sort_keys_;  // one event's, while it is written
  std::vector<std::uint32_t> global_of_;  // the last merge's store id per slice string id
  std::vector<std::int64_t> big_ints_;
  PageVector<Pending> events_;
  Pending current_;
  bool has_last_line_ = false;
  std::uint32_t last_line_ = 0;
  std::uint16_t last_ordinal_ = 0;
};

namespace {

// Bad records of one part of a split unit: kept with the part's own line numbers until the parts before it
// have been counted, then reported with the unit's line numbers.
struct PartErrors {
  std::vector<std::pair<std::size_t, std::string>> kept;
  std::size_t count = 0;
  std::size_t max = IngestReport::kDefaultMaxErrors;
};

// Clock offsets already worked out for a unit, by (store id of the host name) << 8 | time source: a unit's
// hundreds of thousands of shipper-timed events name a few thousand such keys.
using OffsetCache = IntegerMap<std::int64_t>;

class UnitSink final : public RecordSink {
 public:
  // Events built before a slice is merged into the store: bounds the unit-local memory. At 2048 the slice's
  // values (some 35 per event, 12 bytes each) stay in a core's cache until the merge reads them; at 4096
  // they did not, and loading took 1.5-2% longer.
  static constexpr std::size_t kSliceEvents = 2048;

  // A whole unit: errors are reported at once as "unit:line: what".
  // `batch` is the loading thread's, reused from unit to unit (it is empty between them), so its buffers and
  // pool are not grown and faulted in again for every part of a big file.
  UnitSink(const std::string& unit_name, EventStore::Data& data, StoreBatch& batch, IngestReport& report)
      : UnitSink(unit_name, data, register_unit(data, unit_name), batch, report, nullptr) {}
  // One part of a split unit, stored under `unit` (registered by the caller); line numbers are the part's.
  UnitSink(std::string unit_name, EventStore::Data& data, std::uint32_t unit, StoreBatch& batch, IngestReport& report,
           PartErrors* part_errors)
      : unit_name_(std::move(unit_name)),
        data_(data),
        unit_(unit),
        batch_(batch),
        report_(report),
        counts_(report.per_unit[unit_name_]),
        part_errors_(part_errors) {
    batch_.start_unit();
  }

  // Merges what is left and applies the clock corrections learned over the whole unit.
  void finish() {
    finish_part();
    apply_corrections(data_, corrector_, corrections_);
    corrections_.clear();
    corrections_.shrink_to_fit();
  }
  // Merges what is left; the corrections wait for the unit's other parts (take_corrector, take_corrections).
  void finish_part() { merge_slice(); }
  ClockCorrector take_corrector() { return std::move(corrector_); }
  PageVector<StoreBatch::Correction> take_corrections() { return std::move(corrections_); }

  static void apply_corrections(EventStore::Data& data, ClockCorrector& corrector,
                                const PageVector<StoreBatch::Correction>& corrections) {
    OffsetCache offsets;
    apply_corrections(data, corrector, corrections, offsets);
  }
  // The same for one part of a split unit; the parts share `offsets`.
  static void apply_corrections(EventStore::Data& data, ClockCorrector& corrector,
                                const PageVector<StoreBatch::Correction>& corrections, OffsetCache& offsets) {
    std::lock_guard lock(data.merge_mutex);
    // A unit has thousands of hosts and hundreds of thousands of shipper-timed events: one offset lookup
    // (which shortens the host name and searches the corrector's maps) per host and source.
    for (const auto& correction : corrections) {
      const std::uint64_t key = (std::uint64_t{correction.host} << 8) | static_cast<std::uint8_t>(correction.source);
      data.events[correction.index].time_us += offsets.get(key, [&] {
        return corrector.offset_us(data.pool.get_while_loading(correction.host), correction.source);
      });
    }
  }

  void on_flat_event(const FlatEvent& event, std::size_t line) override {
    ++counts_.read;
    batch_.begin(line);
    const NormaliseOutcome outcome = normalise_windows_event(event, batch_);
    if (!batch_.commit(outcome.time_source, outcome.hostname)) {
      --counts_.read;
      on_bad_record(line, "event has too many values");
      return;
    }
    observe_clock(outcome);
    ++(outcome.mapped ? counts_.mapped : counts_.generic);
    if (outcome.time_source == TimeSource::none) ++counts_.untimed;
    if (batch_.event_count() >= kSliceEvents) merge_slice();
  }

  void on_udm_json(std::string_view json, std::size_t line) override {
    ++counts_.read;
    batch_.begin(line);
    try {
      const auto document = nlohmann::json::parse(json);
      udm::read_udm_json(document, batch_);
      if (!batch_.commit(TimeSource::none, {})) throw std::runtime_error("event has too many values");
      ++counts_.mapped;
    } catch (const std::exception& error) {
      batch_.abort();
      --counts_.read;  // on_bad_record counts it again
      on_bad_record(line, fmt::format("invalid UDM event: {}", error.what()));
    }
  }

  void on_bad_record(std::size_t line, std::string_view message) override {
    ++counts_.read;
    ++counts_.skipped;
    if (part_errors_ != nullptr) {
      ++part_errors_->count;
      if (part_errors_->kept.size() < part_errors_->max) part_errors_->kept.emplace_back(line, std::string(message));
      return;
    }
    report_.add_error(fmt::format("{}:{}: {}", unit_name_, line, message));
  }

  static std::uint32_t register_unit(EventStore::Data& data, const std::string& name) {
    std::lock_guard lock(data.merge_mutex);
    data.units.push_back(name);
    return static_cast<std::uint32_t>(data.units.size() - 1);
  }

 private:
  std::string unit_name_;
  EventStore::Data& data_;
  std::uint32_t unit_;
  StoreBatch& batch_;
  IngestReport& report_;
  UnitCounts& counts_;
  PartErrors* part_errors_ = nullptr;
  ClockCorrector corrector_;
  PageVector<StoreBatch::Correction> corrections_;
  // The corrector's number for each host name of the slice, by the name's string id in the slice: a slice
  // names a few hundred hosts over thousands of events, and looking a name up by its text for every event
  // cost more than the rest of observing.
  static constexpr std::uint32_t kNoSpelling = UINT32_MAX;
  std::vector<std::uint32_t> spelling_of_host_;
  std::vector<StringPool::Id> hosts_seen_;  // the entries of spelling_of_host_ set in this slice

  void observe_clock(const NormaliseOutcome& outcome) {
    if (!outcome.utc_time_us) return;
    if (!outcome.at_timestamp_us && !outcome.time_created_us && !outcome.event_time_us) return;
    const StringPool::Id host = batch_.last_host();
    if (host >= spelling_of_host_.size()) {
      spelling_of_host_.resize(std::max<std::size_t>(host + 1, spelling_of_host_.size() * 2), kNoSpelling);
    }
    std::uint32_t& spelling = spelling_of_host_[host];
    if (spelling == kNoSpelling) {
      spelling = corrector_.spelling(outcome.hostname);
      hosts_seen_.push_back(host);
    }
    corrector_.observe(spelling, outcome);
  }
  // The slice's string ids start over after a merge.
  void merge_slice() {
    batch_.merge_into(data_, unit_, &corrections_);
    for (const StringPool::Id host : hosts_seen_) {
      corrector_.set_spelling_key(spelling_of_host_[host], batch_.merged_id(host));
      spelling_of_host_[host] = kNoSpelling;
    }
    hosts_seen_.clear();
  }
};

// One part of a JSON-lines file split for parallel loading, and what it leaves for the file's finalisation.
struct UnitPart {
  std::size_t unit = 0;        // index into the enumerated units
  std::uint64_t begin = 0;     // byte range in the file
  std::uint64_t end = 0;
  std::uint32_t stored_unit = 0;  // data.units entry its events carry until the file is finalised
  std::uint64_t newlines = 0;
  IngestReport report;
  PartErrors errors;
  std::string read_error;
  ClockCorrector corrector;  // folded into the file's corrector (in part order) as soon as it can be
  bool done = false;
  PageVector<StoreBatch::Correction> corrections;
};

}  // namespace

EventStore::EventStore() : data_(std::make_unique<Data>()) {}
EventStore::~EventStore() = default;
EventStore::EventStore(EventStore&&) noexcept = default;
EventStore& EventStore::operator=(EventStore&&) noexcept = default;

IngestReport EventStore::load(const std::vector<std::filesystem::path>& paths, const LoadOptions& options) {
  IngestReport report;
  report.max_errors = options.max_errors;
  Data& d = *data_;
  const std::vector<InputUnit> units = enumerate_inputs(paths, report);

  // Work items: whole units, or line-aligned parts of large JSON-lines files (so one file uses every thread).
  // A part's events carry their own unit entry and part-relative line numbers until the file is finalised
  // below; the result is the same store as reading the file whole.
  struct WorkItem {
    std::size_t unit = 0;
    UnitPart* part = nullptr;
  };
  std::deque<UnitPart> parts;
  std::vector<std::vector<UnitPart*>> parts_of(units.size());
  std::vector<WorkItem> items;
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto starts = options.threads >= 2 ? split_json_lines(units[i], options.part_bytes) : std::vector<std::uint64_t>{};
    if (starts.empty()) {
      items.push_back(WorkItem{i, nullptr});
      continue;
    }
    std::error_code ec;
    const std::uint64_t size = std::filesystem::file_size(units[i].path, ec);
    for (std::size_t k = 0; k < starts.size(); ++k) {
      UnitPart& part = parts.emplace_back();
      part.unit = i;
      part.begin = starts[k];
      part.end = k + 1 < starts.size() ? starts[k + 1] : size;
      part.stored_unit = UnitSink::register_unit(d, units[i].name);
      part.report.max_errors = options.max_errors;
      part.errors.max = options.max_errors;
      parts_of[i].push_back(&part);
      items.push_back(WorkItem{i, &part});
    }
  }

  // The records of the split files' events, reserved for the most events their bytes could hold (pages of
  // a reservation are not resident until written): a doubling vector copied itself, under the merge lock,
  // and faulted in every copy.
  {
    constexpr std::uint64_t kSmallestEventBytes = 256;
    std::uint64_t split_bytes = 0;
    for (const UnitPart& part : parts) split_bytes += part.end - part.begin;
    d.events.reserve(d.events.size() + static_cast<std::size_t>(split_bytes / kSmallestEventBytes));
  }
  std::atomic<std::size_t> next{0};
  std::mutex report_mutex;
  // Per split file: the clock samples of its parts, appended in part order as the parts complete (a part's
  // samples are freed once appended; a file has hundreds of hosts, so they are not small).
  struct FileClock {
    ClockCorrector corrector;
    std::size_t appended = 0;
  };
  std::vector<FileClock> file_clocks(units.size());
  auto part_done = [&](UnitPart& part) {
    std::lock_guard lock(report_mutex);
    part.done = true;
    FileClock& clock = file_clocks[part.unit];
    const auto& file_parts = parts_of[part.unit];
    while (clock.appended < file_parts.size() && file_parts[clock.appended]->done) {
      clock.corrector.append(file_parts[clock.appended]->corrector);
      file_parts[clock.appended]->corrector = ClockCorrector();
      ++clock.appended;
    }
  };
  auto worker = [&] {
    StoreBatch batch;
    for (std::size_t n = next++; n < items.size(); n = next++) {
      const InputUnit& unit = units[items[n].unit];
      if (UnitPart* part = items[n].part) {
        UnitSink sink(unit.name, d, part->stored_unit, batch, part->report, &part->errors);
        part->read_error = read_json_lines_part(unit, part->begin, part->end, sink, part->newlines);
        sink.finish_part();
        part->corrector = sink.take_corrector();
        part->corrections = sink.take_corrections();
        part_done(*part);
        continue;
      }
      IngestReport unit_report;
      unit_report.max_errors = options.max_errors;
      UnitSink sink(unit.name, d, batch, unit_report);
      const std::string error = read_unit(unit, sink);
      if (!error.empty()) unit_report.add_error(fmt::format("{}: {}", unit.name, error));
      sink.finish();
      std::lock_guard lock(report_mutex);
      report.merge(unit_report);
    }
  };
  const unsigned thread_count = std::max(1u, std::min<unsigned>(options.threads, static_cast<unsigned>(items.size())));
  {
    std::vector<std::jthread> threads;
    for (unsigned t = 1; t < thread_count; ++t) threads.emplace_back(worker);
    worker();
  }

  // Finalise split files: one unit entry, the file's line numbers, the clock corrections learned over the
  // whole file (samples in file order), and the bad records in file order.
  if (!parts.empty()) {
    std::vector<std::uint32_t> stored_unit(d.units.size());
    std::vector<std::uint32_t> line_base(d.units.size(), 0);
    for (std::uint32_t u = 0; u < stored_unit.size(); ++u) stored_unit[u] = u;
    for (std::size_t i = 0; i < units.size(); ++i) {
      if (parts_of[i].empty()) continue;
      std::uint64_t base = 0;
      for (const UnitPart* part : parts_of[i]) {
        stored_unit[part->stored_unit] = parts_of[i].front()->stored_unit;
        line_base[part->stored_unit] = static_cast<std::uint32_t>(base);
        base += part->newlines;
      }
    }
    for (auto& record : d.events) {
      if (record.unit < stored_unit.size() && stored_unit[record.unit] != record.unit) {
        record.line += line_base[record.unit];
        record.unit = stored_unit[record.unit];
      }
    }
    for (std::size_t i = 0; i < units.size(); ++i) {
      if (parts_of[i].empty()) continue;
      ClockCorrector& corrector = file_clocks[i].corrector;  // every part appended by now
      IngestReport unit_report;
      unit_report.max_errors = options.max_errors;
      const std::string* previous_read_error = nullptr;
      OffsetCache offsets;
      for (UnitPart* part : parts_of[i]) {
        UnitSink::apply_corrections(d, corrector, part->corrections, offsets);
        PageVector<StoreBatch::Correction>().swap(part->corrections);  // `= {}` would keep the memory
        for (const auto& [line, message] : part->errors.kept) {
          unit_report.add_error(fmt::format("{}:{}: {}", units[i].name, line + line_base[part->stored_unit], message));
        }
        // Errors beyond the kept ones still count.
        unit_report.error_count += part->errors.count - part->errors.kept.size();
        if (!part->read_error.empty() && (!previous_read_error || *previous_read_error != part->read_error)) {
          unit_report.add_error(fmt::format("{}: {}", units[i].name, part->read_error));
          previous_read_error = &part->read_error;
        }
        unit_report.merge(part->report);
      }
      report.merge(unit_report);
    }
  }
  // The clock samples are no longer needed: freed before finish() builds the indexes, at the load's peak.
  std::vector<FileClock>().swap(file_clocks);
  finish();
  if (d.dropped_keys > 0) {
    report.add_error(fmt::format("store: more than {} distinct labels/additional.fields keys; {} values kept "
                                 "under an empty key", kMaxKeys, d.dropped_keys));
  }
  return report;
}

void EventStore::add_event(const udm::EventView& event, std::string_view source, std::size_t line) {
  StoreBatch batch;
  batch.begin(line);
  batch.set_timestamp_us(event.timestamp_us());
  event.for_each_field([&](udm::FieldId field, const udm::Value& value) {
    batch.add_value(field, value);
    return true;
  });
  batch.commit(TimeSource::none, {});
  batch.merge_into(*data_, UnitSink::register_unit(*data_, std::string(source)), nullptr);
}

void EventStore::finish() {
  Data& d = *data_;
  if (d.finished) return;
  // Stable order: time, then source unit name, then line; independent of thread scheduling.
  std::vector<std::uint32_t> unit_rank(d.units.size());
  {
    std::vector<std::uint32_t> order(d.units.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return d.units[a] < d.units[b]; });
    for (std::uint32_t rank = 0; rank < order.size(); ++rank) unit_rank[order[rank]] = rank;
  }
  std::sort(d.events.begin(), d.events.end(), [&](const EventRecord& a, const EventRecord& b) {
    if (a.time_us != b.time_us) return a.time_us < b.time_us;
    if (a.unit != b.unit) return unit_rank[a.unit] < unit_rank[b.unit];
    if (a.line != b.line) return a.line < b.line;
    return a.ordinal < b.ordinal;
  });
  for (std::size_t slot = 0; slot < kEnumIndexedFields.size(); ++slot) {
    d.by_enum[slot].assign(udm::enum_values(udm::field_info(kEnumIndexedFields[slot]).enum_kind).size(), {});
  }
  for (auto& lists : d.by_string) lists.clear();
  d.mask_words = d.events.size() * d.mask_stride;
  d.masks = PageArray<std::uint64_t>(std::max<std::size_t>(d.mask_words, 1));
  d.field_bit.assign(udm::field_id_limit(), Data::kNoFieldBit);
  {
    std::uint8_t next_field_bit = 0;
    for (udm::FieldId field = 0; field < d.field_bit.size(); ++field) {
      if ((d.field_present[field / 64] >> (field % 64)) & 1) d.field_bit[field] = next_field_bit++ % 64;
    }
  }
  // In time order, one event's entries are rarely next to the previous one's (they were merged from
  // different slices), so reading them is a cache miss per event that the hardware cannot see coming;
  // asking for them a few events ahead overlaps those misses.
  constexpr std::uint32_t kEntriesAhead = 8;
  auto prefetch_entries = [&d](std::uint32_t index) {
    const auto& record = d.events[index];
    const char* first = reinterpret_cast<const char*>(d.entries.at(record.first));
    const char* last = reinterpret_cast<const char*>(d.entries.at(record.first) + record.count);
    for (const char* line = first; line < last; line += 64) __builtin_prefetch(line);
  };
  // Presence masks, enum lists and the (value, event) pairs of the string-keyed lists are read out of the
  // entries; a large store does it on two threads, each over half the events, then sorts the string lists
  // out of their pairs, a field at a time, on both.
  // The pairs of every string-indexed value would be some 8 bytes per event and field at the peak, on top of
  // the finished indexes: they are collected and sorted in two rounds of fields (names and addresses first,
  // then users, images and command lines), each freed once sorted, which halves that peak.
  // The later half's lists go to `later_*`, appended to the earlier half's (events stay in increasing
  // order, which the sort keeps).
  using EnumLists = std::array<std::vector<Postings>, kEnumIndexedFields.size()>;
  using PairLists = std::array<PageVector<StringPostings::Pair>, kStringIndexedFields.size()>;
  EnumLists later_enum_lists;
  for (std::size_t slot = 0; slot < kEnumIndexedFields.size(); ++slot) later_enum_lists[slot].resize(d.by_enum[slot].size());
  PairLists pairs;
  PairLists later_pairs;
  constexpr std::size_t kFirstRoundSlots = 5;
  static_assert(kStringIndexedFields[kFirstRoundSlots - 1] == udm::fields::target_ip);
  const auto event_count = static_cast<std::uint32_t>(d.events.size());
  // What the first scan does with a field's values, in one table read per value: its mask bit, and the
  // enum list or first-round string list that wants it (-1: none).
  struct FieldAction {
    std::uint8_t bit = 0;
    std::int8_t enum_slot = -1;
    std::int8_t string_slot = -1;
  };
  std::vector<FieldAction> actions(d.field_bit.size());
  for (std::size_t field = 0; field < actions.size(); ++field) {
    const int string_slot = field_traits().string_slot[field];
    actions[field] = FieldAction{d.field_bit[field], field_traits().enum_slot[field],
                                 static_cast<std::int8_t>(string_slot < static_cast<int>(kFirstRoundSlots) ? string_slot : -1)};
  }
  auto scan_first_round = [&](std::uint32_t first_event, std::uint32_t end_event, EnumLists& enum_lists,
                              PairLists& pair_lists) {
    const FieldAction* const action_of = actions.data();
    for (std::uint32_t index = first_event; index < end_event; ++index) {
      if (index + kEntriesAhead < end_event) prefetch_entries(index + kEntriesAhead);
      const auto& record = d.events[index];
      const Entry* values = d.entries.at(record.first);
      std::array<std::uint64_t, Data::mask_stride> mask{};
      for (std::uint32_t k = 0; k < record.count; ++k) {
        const Entry& entry = values[k];
        const FieldAction action = action_of[entry.field];
        mask[0] |= std::uint64_t{1} << action.bit;
        if (entry.key != kNoKey && entry.key != kBigInteger) {
          const std::size_t bit = entry.key % (Data::kKeyMaskWords * 64);
          mask[d.field_words + bit / 64] |= std::uint64_t{1} << (bit % 64);
        }
        if (action.enum_slot >= 0) [[unlikely]] {
          auto& lists = enum_lists[static_cast<std::size_t>(action.enum_slot)];
          if (entry.value < lists.size()) {
            auto& list = lists[entry.value];
            if (list.empty() || list.back() != index) list.push_back(index);
          }
        }
        if (action.string_slot >= 0) [[unlikely]] {
          pair_lists[static_cast<std::size_t>(action.string_slot)].push_back(StringPostings::make_pair(entry.value, index));
        }
      }
      std::copy(mask.begin(), mask.end(), d.masks.get() + static_cast<std::size_t>(index) * d.mask_stride);
    }
  };
  // The later rounds' fields are plain fields, and an event's plain entries come first, by field id: the
  // scan of an event stops after the last field of the round.
  auto collect_string_pairs = [&](std::size_t first_slot, std::size_t end_slot, std::uint32_t first_event,
                                  std::uint32_t end_event, PairLists& into) {
    const std::vector<std::int8_t>& string_slots = field_traits().string_slot;
    std::uint32_t last_rank = 0;
    for (std::size_t slot = first_slot; slot < end_slot; ++slot) {
      last_rank = std::max(last_rank, d.field_rank[kStringIndexedFields[slot]]);
    }
    const std::int8_t* const slot_of = string_slots.data();
    const std::uint32_t* const rank_of = d.field_rank.data();
    for (std::uint32_t index = first_event; index < end_event; ++index) {
      if (index + kEntriesAhead < end_event) prefetch_entries(index + kEntriesAhead);
      const auto& record = d.events[index];
      const Entry* values = d.entries.at(record.first);
      for (std::uint32_t k = 0; k < record.count; ++k) {
        const Entry& entry = values[k];
        if (rank_of[entry.field] > last_rank) break;
        const int slot = slot_of[entry.field];
        if (slot >= static_cast<int>(first_slot) && slot < static_cast<int>(end_slot)) {
          into[static_cast<std::size_t>(slot)].push_back(StringPostings::make_pair(entry.value, index));
        }
      }
    }
  };
  std::atomic<std::size_t> next_slot{0};
  std::atomic<std::size_t> end_slot{0};
  // One radix scratch buffer per thread, for all the lists it builds in a round.
  std::array<StringPostings::Scratch, 2> scratches;
  auto build_string_lists = [&](StringPostings::Scratch& scratch) {
    for (std::size_t slot = next_slot++; slot < end_slot; slot = next_slot++) {
      PageVector<StringPostings::Pair>& later = later_pairs[slot];
      if (!later.empty()) {
        PageVector<StringPostings::Pair>& earlier = pairs[slot];
        if (earlier.capacity() < earlier.size() + later.size()) {
          PageVector<StringPostings::Pair> joined;
          joined.reserve(earlier.size() + later.size());
          joined.insert(joined.end(), earlier.begin(), earlier.end());
          joined.swap(earlier);
        }
        earlier.insert(earlier.end(), later.begin(), later.end());
        PageVector<StringPostings::Pair>().swap(later);
      }
      d.by_string[slot].build(pairs[slot], scratch);
    }
  };
  const bool parallel = search_threads_ >= 2 && d.events.size() >= kParallelIndexMin;
  // Room for a value per event and field in each half's pairs (address space: only what is written becomes
  // resident), so they grow without copies and the later half is appended in place.
  auto reserve_pairs = [&](std::size_t first, std::size_t end) {
    if (!parallel) return;
    for (std::size_t slot = first; slot < end; ++slot) {
      pairs[slot].reserve(event_count);
      later_pairs[slot].reserve(event_count / 2 + 1);
    }
  };
  auto build_round = [&](std::size_t first, std::size_t end) {
    next_slot = first;
    end_slot = end;
    if (parallel) {
      std::jthread helper([&] { build_string_lists(scratches[1]); });
      build_string_lists(scratches[0]);
    } else {
      build_string_lists(scratches[0]);
    }
  };
  // Masks, enum lists and the first round's pairs: each thread over half the events, the later half's lists
  // appended to the earlier's.
  reserve_pairs(0, kFirstRoundSlots);
  if (parallel) {
    const std::uint32_t middle = event_count / 2;
    {
      std::jthread helper([&] { scan_first_round(middle, event_count, later_enum_lists, later_pairs); });
      scan_first_round(0, middle, d.by_enum, pairs);
    }
    for (std::size_t slot = 0; slot < kEnumIndexedFields.size(); ++slot) {
      for (std::size_t value = 0; value < d.by_enum[slot].size(); ++value) {
        Postings& earlier = d.by_enum[slot][value];
        const Postings& later = later_enum_lists[slot][value];
        earlier.insert(earlier.end(), later.begin(), later.end());
      }
    }
    EnumLists().swap(later_enum_lists);
  } else {
    scan_first_round(0, event_count, d.by_enum, pairs);
  }
  build_round(0, kFirstRoundSlots);
  // The second round's pairs are collected next: the first round's scratch buffers would add to that peak.
  scratches = {};
  reserve_pairs(kFirstRoundSlots, pairs.size());
  if (parallel) {
    const std::uint32_t middle = event_count / 2;
    std::jthread helper([&] { collect_string_pairs(kFirstRoundSlots, pairs.size(), middle, event_count, later_pairs); });
    collect_string_pairs(kFirstRoundSlots, pairs.size(), 0, middle, pairs);
  } else {
    collect_string_pairs(kFirstRoundSlots, pairs.size(), 0, event_count, pairs);
  }
  build_round(kFirstRoundSlots, pairs.size());
  d.finished = true;
}

std::size_t EventStore::size() const { return data_->events.size(); }

std::optional<std::int64_t> EventStore::oldest_us() const {
  if (data_->events.empty()) return std::nullopt;
  return data_->events.front().time_us;
}

std::optional<std::int64_t> EventStore::newest_us() const {
  if (data_->events.empty()) return std::nullopt;
  return data_->events.back().time_us;
}

void EventStore::set_now_us(std::optional<std::int64_t> now) { data_->now = now; }

std::int64_t EventStore::now_us() const {
  if (data_->now) return *data_->now;
  return newest_us().value_or(0);
}

TimeRange EventStore::time_range(double hours_back, std::optional<std::int64_t> start_us,
                                 std::optional<std::int64_t> end_us) const {
  TimeRange range;
  range.end_us = end_us.value_or(now_us());
  const auto span = static_cast<std::int64_t>(hours_back * 3600.0 * 1'000'000.0);
  range.start_us = start_us.value_or(range.end_us - span);
  return range;
}

SearchResult EventStore::search(const Predicate& predicate, const udm::IndexHints& hints, TimeRange range,
                                std::size_t max_events, const std::vector<FieldRequirement>& required) const {
  return search_impl(predicate, hints, range, max_events, required, {});
}

SearchResult EventStore::search_impl(const Predicate& predicate, const udm::IndexHints& hints, TimeRange range,
                                     std::size_t max_events, const std::vector<FieldRequirement>& required,
                                     const std::vector<ExactValue>& exact, const std::vector<ListPin>& list_pins) const {
  const Data& d = *data_;
  SearchResult result;
  // The presence mask every candidate must cover.
  std::vector<std::uint64_t> need(d.mask_stride, 0);
  bool need_any = false;
  for (const auto& requirement : required) {
    const std::uint8_t field_bit = requirement.field < d.field_bit.size() ? d.field_bit[requirement.field] : Data::kNoFieldBit;
    if (field_bit == Data::kNoFieldBit) return result;  // no event holds this field at all
    need[0] |= std::uint64_t{1} << field_bit;
    need_any = true;
    if (requirement.key.empty()) continue;
    const auto pool_id = d.pool.find(requirement.key);
    const auto key = pool_id ? d.key_ids.find(*pool_id) : d.key_ids.end();
    if (key == d.key_ids.end()) return result;  // no event has this key at all
    const std::size_t bit = key->second % (Data::kKeyMaskWords * 64);
    need[d.field_words + bit / 64] |= std::uint64_t{1} << (bit % 64);
  }
  // Necessary exact values, resolved to stored form: (field, key id or any, value).
  struct StoredExact {
    udm::FieldId field;
    bool any_key;
    std::uint16_t key;
    std::uint32_t value;
  };
  std::vector<StoredExact> stored_exact;
  for (const auto& value : exact) {
    StoredExact out{value.field, value.key.empty(), kNoKey, 0};
    if (!value.key.empty()) {
      const auto pool_id = d.pool.find(value.key);
      const auto key = pool_id ? d.key_ids.find(*pool_id) : d.key_ids.end();
      if (key == d.key_ids.end()) return result;
      out.key = key->second;
    }
    if (value.is_string) {
      const auto id = d.pool.find(value.text);
      if (!id) return result;  // the string occurs nowhere
      out.value = *id;
    } else {
      out.value = static_cast<std::uint32_t>(static_cast<std::int32_t>(value.number));
    }
    stored_exact.push_back(out);
  }
  auto has_required = [&](std::uint32_t index) {
    if (need_any) {
      const std::uint64_t* mask = d.masks.get() + static_cast<std::size_t>(index) * d.mask_stride;
      for (std::size_t w = 0; w < d.mask_stride; ++w) {
        if ((mask[w] & need[w]) != need[w]) return false;
      }
    }
    if (stored_exact.empty()) return true;
    const auto& record = d.events[index];
    const Entry* begin = d.entries.at(record.first);
    const Entry* end = begin + record.count;
    for (const auto& wanted : stored_exact) {
      bool found = false;
      const auto [first, last] = d.entries_of(begin, end, wanted.field);
      for (const Entry* e = first; e != last && !found; ++e) {
        found = e->value == wanted.value && e->key != kBigInteger && (wanted.any_key || e->key == wanted.key);
      }
      if (!found) return false;
    }
    return true;
  };
  if (d.events.empty() || range.start_us > range.end_us) return result;
  // Event index window of the time range.
  const auto by_time = [](const EventRecord& record, std::int64_t t) { return record.time_us < t; };
  const auto lo = static_cast<std::uint32_t>(
      std::lower_bound(d.events.begin(), d.events.end(), range.start_us, by_time) - d.events.begin());
  const auto hi = static_cast<std::uint32_t>(
      std::lower_bound(d.events.begin(), d.events.end(), range.end_us,
                       [](const EventRecord& r, std::int64_t t) { return r.time_us <= t; }) -
      d.events.begin());  // one past the last event with time <= end
  if (lo >= hi) return result;

  // Smallest candidate set among the pins whose every alternative an index can answer.
  std::optional<ListPin> best;
  std::size_t best_size = SIZE_MAX;
  for (const auto& pin : hints.pins) {
    ListPin lists;
    std::size_t total = 0;
    bool usable = true;  // a pin without alternatives means no event can match
    for (const auto& alternative : pin.alternatives) {
      if (const int enum_slot = enum_index_slot(alternative.field);
          enum_slot >= 0 && alternative.type == udm::ValueType::Enum) {
        const auto& by_ordinal = d.by_enum[static_cast<std::size_t>(enum_slot)];
        if (alternative.ordinal >= by_ordinal.size()) {
          usable = false;
          break;
        }
        const Postings& list = by_ordinal[alternative.ordinal];
        lists.push_back(PostingSpan{list.data(), list.data() + list.size()});
        total += list.size();
        continue;
      }
      const int slot = string_index_slot(alternative.field);
      if (slot < 0 || alternative.type != udm::ValueType::String) {
        usable = false;
        break;
      }
      const StringPostings& postings = d.by_string[static_cast<std::size_t>(slot)];
      if (alternative.nocase) {
        // Few distinct values per indexed field (hosts, addresses, users): folding them all is cheap. Fold
        // both sides the way RE2's nocase matching does (Kelvin sign, long s), not just ASCII, or the index
        // would drop events the query itself matches.
        const std::string wanted = udm::fold_case_for_index(alternative.text);
        for (std::size_t i = 0; i < postings.size(); ++i) {
          const std::uint32_t value_id = postings.value_at(i);
          if (!StringPool::is_composite(value_id) && udm::fold_case_for_index(d.pool.get(value_id)) == wanted) {
            lists.push_back(postings.list_at(i));
            total += lists.back().size();
          }
        }
        continue;
      }
      if (StringPool::qualifies_as_composite(alternative.text)) {
        usable = false;  // stored as lines: find() cannot see it, so the index cannot answer this pin
        break;
      }
      const auto id = d.pool.find(alternative.text);
      if (!id) continue;  // no event holds this value
      const PostingSpan list = postings.find(*id);
      if (list.empty()) continue;
      lists.push_back(list);
      total += list.size();
    }
    if (usable && total < best_size) {
      best_size = total;
      best = std::move(lists);
    }
  }
  for (const auto& lists : list_pins) {
    std::size_t total = 0;
    for (const auto& list : lists) total += list.size();
    if (total < best_size) {
      best_size = total;
      best = lists;
    }
  }

  auto prefetch_event = [&d](std::uint32_t index) {
    const char* entries = reinterpret_cast<const char*>(d.entries.at(d.events[index].first));
    __builtin_prefetch(entries);
    __builtin_prefetch(entries + 64);
    __builtin_prefetch(d.masks.get() + static_cast<std::size_t>(index) * d.mask_stride);
  };
  StoredEventView view(d);
  auto consider = [&](std::uint32_t index) {
    if (!has_required(index)) return true;
    ++result.candidates_examined;
    view.set_index(index);
    if (!predicate || predicate(view)) {
      if (result.events.size() == max_events) {
        result.more_data_available = true;
        return false;
      }
      result.events.push_back(index);
    }
    return true;
  };

  if (!best) {
    if (hi - lo < kParallelScanMin || search_threads_ < 2) {
      for (std::uint32_t index = hi; index-- > lo;) {
        if (index >= lo + kPrefetchDistance) prefetch_event(index - kPrefetchDistance);
        if (!consider(index)) break;
      }
      return result;
    }
    // Long scans: segments newest first, each split between two threads; the newer half's matches come
    // first, so the order is exactly the sequential one.
    auto scan_range = [&](std::uint32_t from, std::uint32_t to, std::size_t limit, std::vector<std::uint32_t>& out,
                          std::size_t& examined) {
      StoredEventView local_view(d);
      for (std::uint32_t index = to; index-- > from && out.size() < limit;) {
        if (index >= from + kPrefetchDistance) prefetch_event(index - kPrefetchDistance);
        if (!has_required(index)) continue;
        ++examined;
        local_view.set_index(index);
        if (!predicate || predicate(local_view)) out.push_back(index);
      }
    };
    for (std::uint32_t segment_hi = hi; segment_hi > lo;) {
      const std::uint32_t segment_lo = segment_hi - lo > kScanSegment ? segment_hi - kScanSegment : lo;
      const std::uint32_t middle = segment_lo + (segment_hi - segment_lo) / 2;
      const std::size_t wanted = max_events + 1 - result.events.size();
      std::vector<std::uint32_t> newer, older;
      std::size_t newer_examined = 0, older_examined = 0;
      {
        std::jthread helper([&] { scan_range(segment_lo, middle, wanted, older, older_examined); });
        scan_range(middle, segment_hi, wanted, newer, newer_examined);
      }
      result.candidates_examined += newer_examined + older_examined;
      for (const auto* part : {&newer, &older}) {
        for (const auto index : *part) {
          if (result.events.size() == max_events) {
            result.more_data_available = true;
            return result;
          }
          result.events.push_back(index);
        }
      }
      segment_hi = segment_lo;
    }
    return result;
  }
  // Newest-first merge of the chosen posting lists (each ascending), restricted to [lo, hi).
  struct Cursor {
    PostingSpan list;
    std::ptrdiff_t position;  // next element to take, going down; -1 when exhausted
    std::ptrdiff_t floor;     // first position inside the window
  };
  std::vector<Cursor> cursors;
  for (const auto& list : *best) {
    const auto begin = std::lower_bound(list.begin(), list.end(), lo) - list.begin();
    const auto end = std::lower_bound(list.begin(), list.end(), hi) - list.begin();
    if (end > begin) cursors.push_back(Cursor{list, end - 1, begin});
  }
  // Candidates are tested in batches, and the store's memory for the ones a few places ahead is requested
  // while the current one is tested: each candidate's first touch is a cache miss, and this overlaps them.
  std::vector<std::uint32_t> batch;
  batch.reserve(kCandidateBatch);
  auto run_batch = [&] {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (i + 2 * kPrefetchDistance < batch.size()) __builtin_prefetch(&d.events[batch[i + 2 * kPrefetchDistance]]);
      if (i + kPrefetchDistance < batch.size()) prefetch_event(batch[i + kPrefetchDistance]);
      if (!consider(batch[i])) return false;
    }
    batch.clear();
    return true;
  };
  std::uint32_t last_taken = UINT32_MAX;
  while (true) {
    Cursor* top = nullptr;
    for (auto& cursor : cursors) {
      if (cursor.position < cursor.floor) continue;
      if (!top || cursor.list[static_cast<std::size_t>(cursor.position)] >
                      top->list[static_cast<std::size_t>(top->position)]) {
        top = &cursor;
      }
    }
    if (!top) break;
    const std::uint32_t index = top->list[static_cast<std::size_t>(top->position)];
    --top->position;
    if (index == last_taken) continue;  // an event listed under two hinted values
    last_taken = index;
    batch.push_back(index);
    if (batch.size() == kCandidateBatch && !run_batch()) return result;
  }
  run_batch();
  return result;
}

SearchResult EventStore::search(const udm::CompiledQuery& query, TimeRange range, std::size_t max_events,
                                const udm::ReferenceListLookup& lists) const {
  // Besides the compiler's pins (equalities), every necessary condition on an indexed string field becomes a
  // pin by testing the field's distinct values: regexes, nocase, != and lists on hosts, addresses, users
  // and product event types then use the index too.
  const udm::IndexHints& hints = query.hints();
  const Data& d = *data_;
  std::vector<ExactValue> exact;
  std::vector<ListPin> list_pins;
  for (const auto& condition : necessary_conditions(query.ast(), lists)) {
    // Exact equalities are checked on the stored ids before the predicate runs.
    if (condition.op == udm::CompareOp::Eq && !condition.nocase) {
      const auto type = d.field_types[condition.field];
      const bool map = udm::field_info(condition.field).is_map;
      if (condition.kind == udm::LiteralKind::String && type == udm::ValueType::String && !condition.text.empty() &&
          !StringPool::qualifies_as_composite(condition.text)) {
        exact.push_back(ExactValue{condition.field, map ? condition.key : std::string(), true, condition.text, 0});
      } else if (condition.kind == udm::LiteralKind::Integer && type == udm::ValueType::Integer && !map &&
                 condition.number >= INT32_MIN && condition.number <= INT32_MAX && condition.number != 0) {
        exact.push_back(ExactValue{condition.field, std::string(), false, std::string(), condition.number});
      }
    }
    // An exact string no event holds anywhere in the store cannot match.
    if (condition.op == udm::CompareOp::Eq && condition.kind == udm::LiteralKind::String && !condition.nocase &&
        d.field_types[condition.field] == udm::ValueType::String && !condition.text.empty() &&
        !StringPool::qualifies_as_composite(condition.text) && !d.pool.find(condition.text)) {
      return SearchResult{};
    }
    const int slot = string_index_slot(condition.field);
    if (slot < 0) continue;
    const StringPostings& postings = d.by_string[static_cast<std::size_t>(slot)];
    if (postings.size() > kMaxDictionaryPin) continue;
    udm::QueryNode single;
    single.kind = udm::QueryNode::Kind::Condition;
    single.condition = condition;
    std::optional<udm::CompiledQuery> test;
    try {
      test = udm::compile_query(single, lists);
    } catch (const std::exception&) {
      continue;
    }
    // Each distinct value is tested once; the pin is the union of the matching values' posting lists.
    ListPin pin;
    std::string text;
    for (std::size_t i = 0; i < postings.size(); ++i) {
      const std::uint32_t value_id = postings.value_at(i);
      std::string_view value;
      if (StringPool::is_composite(value_id)) {
        text.clear();
        d.pool.append_to(value_id, text);
        value = text;
      } else {
        value = d.pool.get(value_id);
      }
      if (test->matches(SingleValueView(condition.field, value))) pin.push_back(postings.list_at(i));
    }
    list_pins.push_back(std::move(pin));  // no lists: nothing can match
  }
  return search_impl([&query](const udm::EventView& event) { return query.matches(event); }, hints, range,
                     max_events, required_fields(query.ast(), lists), exact, list_pins);
}

nlohmann::json EventStore::search_udm(const SearchRequest& request, const udm::ReferenceListLookup& lists) const {
  auto failure = [](std::string message) {
    return nlohmann::json{{"error", std::move(message)}, {"events", nlohmann::json::array()}};
  };
  std::optional<std::int64_t> start, end;
  if (request.start_time && !request.start_time->empty()) {
    start = udm::parse_rfc3339_us(*request.start_time);
    if (!start) return failure(fmt::format("search_udm: start_time \"{}\" is not an RFC 3339 time", *request.start_time));
  }
  if (request.end_time && !request.end_time->empty()) {
    end = udm::parse_rfc3339_us(*request.end_time);
    if (!end) return failure(fmt::format("search_udm: end_time \"{}\" is not an RFC 3339 time", *request.end_time));
  }
  if (!(request.hours_back > 0)) return failure("search_udm: hours_back must be a positive number");
  const std::size_t max_events = std::min(request.max_events.value_or(kDefaultMaxEvents), kMaxEvents);
  try {
    const auto query = udm::compile_query(request.query, lists);
    const auto result = search(query, time_range(request.hours_back, start, end), max_events, lists);
    return result_json(result);
  } catch (const udm::ParseError& error) {
    return failure(fmt::format("search_udm: invalid UDM query: {}", error.what()));
  } catch (const std::exception& error) {
    return failure(fmt::format("search_udm: {}", error.what()));
  }
}

std::unique_ptr<udm::EventView> EventStore::view(std::uint32_t index) const {
  return std::make_unique<StoredEventView>(*data_, index);
}

std::string EventStore::event_id(std::uint32_t index) const {
  const auto& record = data_->events[index];
  std::uint64_t hash = fnv1a(data_->units[record.unit]);
  hash = fnv1a(fmt::format(":{}:{}", record.line, record.ordinal), hash);
  return fmt::format("{:016x}", hash);
}

std::string EventStore::event_source(std::uint32_t index) const {
  const auto& record = data_->events[index];
  return fmt::format("{}:{}", data_->units[record.unit], record.line);
}

nlohmann::json EventStore::event_json(std::uint32_t index) const {
  const StoredEventView view(*data_, index);
  return nlohmann::json{{"name", fmt::format("{}/events/{}", data_->name_prefix, event_id(index))},
                        {"udm", udm::to_result_json(view)}};
}

nlohmann::json EventStore::result_json(const SearchResult& result) const {
  nlohmann::json events = nlohmann::json::array();
  for (const auto index : result.events) events.push_back(event_json(index));
  return nlohmann::json{{"events", std::move(events)},
                        {"total_events", result.events.size()},
                        {"more_data_available", result.more_data_available}};
}

void EventStore::set_event_name_prefix(std::string prefix) { data_->name_prefix = std::move(prefix); }

std::vector<std::pair<std::string, std::size_t>> EventStore::memory_breakdown() const {
  const Data& d = *data_;
  std::vector<std::pair<std::string, std::size_t>> parts = d.pool.memory_breakdown();
  for (auto& [name, bytes] : parts) name = "strings: " + name;
  parts.emplace_back("values (8-byte entries)", d.entries.memory_bytes());
  // Page-backed vectors are counted by size: their untouched capacity is not resident.
  parts.emplace_back("event records", d.events.size() * sizeof(EventRecord));
  parts.emplace_back("large integers", d.big_ints.capacity() * sizeof(std::int64_t));
  parts.emplace_back("presence masks", d.mask_words * sizeof(std::uint64_t));
  std::size_t postings = 0;
  for (const auto& lists : d.by_enum) {
    for (const auto& list : lists) postings += list.size() * sizeof(std::uint32_t);
  }
  for (const auto& lists : d.by_string) postings += lists.memory_bytes();
  parts.emplace_back("posting lists", postings);
  return parts;
}

std::size_t EventStore::memory_bytes() const {
  std::size_t total = 0;
  for (const auto& [name, bytes] : memory_breakdown()) total += bytes;
  return total;
}

std::size_t EventStore::distinct_strings() const { return data_->pool.size(); }

}  // namespace lh::siem
