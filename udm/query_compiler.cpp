#include "udm/query_compiler.hpp"

#include "udm/ip_network.hpp"
#include "udm/literal_regex.hpp"
#include "udm/query_parser.hpp"
#include "udm/query_printer.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <unordered_set>

namespace lh::udm {
namespace {

constexpr char fold(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string folded(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = fold(c);
    return out;
}

// `needle` is already folded.
bool equals_nocase(std::string_view haystack, std::string_view needle) noexcept {
    if (haystack.size() != needle.size()) return false;
    for (std::size_t i = 0; i < needle.size(); ++i) {
        if (fold(haystack[i]) != needle[i]) return false;
    }
    return true;
}

template <class T>
bool compare(CompareOp op, const T& lhs, const T& rhs) {
    switch (op) {
        case CompareOp::Eq: return lhs == rhs;
        case CompareOp::Ne: return lhs != rhs;
        case CompareOp::Lt: return lhs < rhs;
        case CompareOp::Le: return lhs <= rhs;
        case CompareOp::Gt: return lhs > rhs;
        case CompareOp::Ge: return lhs >= rhs;
        case CompareOp::InList:
        case CompareOp::InCidr: break;
    }
    return false;
}

class Node {
public:
    virtual ~Node() = default;
    virtual bool eval(const EventView& event) const = 0;
};
using NodePtr = std::unique_ptr<Node>;

// Shared "any value satisfies" loop with Chronicle's default-value rule for missing fields.
class FieldCondition : public Node {
public:
    FieldCondition(FieldId field, std::string key, ValueType type)
        : field_(field), key_(std::move(key)), is_map_(field_info(field).is_map), type_(type) {}

protected:
    template <class Predicate>
    bool any_value(const EventView& event, Predicate&& predicate) const {
        bool seen = false;
        bool hit = false;
        auto visit = [&](const Value& v) {
            seen = true;
            if (predicate(v)) {
                hit = true;
                return false;
            }
            return true;
        };
        if (is_map_) {
            event.for_each_map_value(field_, key_, visit);
        } else {
            event.for_each_value(field_, visit);
        }
        if (!seen) return predicate(Value{type_, {}, 0, {}});
        return hit;
    }

private:
    FieldId field_;
    std::string key_;
    bool is_map_;
    ValueType type_;
};

class StringCondition final : public FieldCondition {
public:
    StringCondition(const Condition& c)
        : FieldCondition(c.field, c.key, ValueType::String), op_(c.op), nocase_(c.nocase),
          value_(c.nocase ? folded(c.text) : c.text) {}
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            const bool equal = nocase_ ? equals_nocase(v.text, value_) : v.text == value_;
            return op_ == CompareOp::Eq ? equal : !equal;
        });
    }

private:
    CompareOp op_;
    bool nocase_;
    std::string value_;
};

class RegexCondition final : public FieldCondition {
public:
    explicit RegexCondition(const Condition& c)
        : FieldCondition(c.field, c.key, ValueType::String), op_(c.op), regex_(c.text, options(c.nocase)),
          literal_(LiteralRegex::analyse(c.text, c.nocase)) {
        if (!regex_.ok()) throw ParseError(c.value_column, fmt::format("invalid regex: {}", regex_.error()));
    }
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            std::optional<bool> found;
            if (literal_) found = literal_->matches(v.text);
            if (!found) found = RE2::PartialMatch(re2::StringPiece(v.text.data(), v.text.size()), regex_);
            return op_ == CompareOp::Eq ? *found : !*found;
        });
    }

private:
    static RE2::Options options(bool nocase) {
        RE2::Options o;
        o.set_log_errors(false);
        o.set_case_sensitive(!nocase);
        return o;
    }
    CompareOp op_;
    RE2 regex_;
    std::optional<LiteralRegex> literal_;
};

class NumberCondition final : public FieldCondition {
public:
    NumberCondition(const Condition& c, ValueType type, std::int64_t value)
        : FieldCondition(c.field, c.key, type), op_(c.op), value_(value) {}
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) { return compare(op_, v.number, value_); });
    }

private:
    CompareOp op_;
    std::int64_t value_;
};

class TimestampCondition final : public Node {
public:
    TimestampCondition(CompareOp op, std::int64_t micros) : op_(op), micros_(micros) {}
    bool eval(const EventView& event) const override { return compare(op_, event.timestamp_us(), micros_); }

private:
    CompareOp op_;
    std::int64_t micros_;
};

struct TransparentHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using StringSet = std::unordered_set<std::string, TransparentHash, std::equal_to<>>;

class StringListCondition final : public FieldCondition {
public:
    StringListCondition(const Condition& c, const std::vector<std::string>& entries)
        : FieldCondition(c.field, c.key, ValueType::String), nocase_(c.nocase) {
        for (const auto& e : entries) values_.insert(nocase_ ? folded(e) : e);
    }
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            if (!nocase_) return values_.find(v.text) != values_.end();
            // Reused per thread so that folding does not allocate per value.
            thread_local std::string scratch;
            scratch.assign(v.text);
            for (auto& ch : scratch) ch = fold(ch);
            return values_.find(std::string_view(scratch)) != values_.end();
        });
    }

private:
    bool nocase_;
    StringSet values_;
};

class RegexListCondition final : public FieldCondition {
public:
    RegexListCondition(const Condition& c, const std::vector<std::string>& entries)
        : FieldCondition(c.field, c.key, ValueType::String) {
        RE2::Options options;
        options.set_log_errors(false);
        options.set_case_sensitive(!c.nocase);
        for (const auto& e : entries) {
            auto regex = std::make_unique<RE2>(e, options);
            if (!regex->ok()) {
                throw ParseError(c.value_column, fmt::format("reference list \"{}\" entry /{}/ is not a valid regex: {}",
                                                             c.text, e, regex->error()));
            }
            regexes_.push_back(std::move(regex));
        }
    }
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            const re2::StringPiece text(v.text.data(), v.text.size());
            return std::any_of(regexes_.begin(), regexes_.end(),
                               [&](const auto& regex) { return RE2::PartialMatch(text, *regex); });
        });
    }

private:
    std::vector<std::unique_ptr<RE2>> regexes_;
};

class CidrListCondition final : public FieldCondition {
public:
    CidrListCondition(const Condition& c, const std::vector<std::string>& entries)
        : FieldCondition(c.field, c.key, ValueType::String) {
        for (const auto& e : entries) {
            const auto network = parse_cidr(e);
            if (!network) {
                throw ParseError(c.value_column,
                                 fmt::format("reference list \"{}\" entry \"{}\" is not a CIDR range", c.text, e));
            }
            networks_.push_back(*network);
        }
    }
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            const auto address = parse_ip(v.text);
            return address && std::any_of(networks_.begin(), networks_.end(),
                                          [&](const IpNetwork& n) { return n.contains(*address); });
        });
    }

private:
    std::vector<IpNetwork> networks_;
};

class CidrCondition final : public FieldCondition {
public:
    explicit CidrCondition(const Condition& c) : FieldCondition(c.field, c.key, ValueType::String) {
        const auto network = parse_cidr(c.text);
        if (!network) throw ParseError(c.value_column, fmt::format("\"{}\" is not a CIDR range", c.text));
        network_ = *network;
    }
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) {
            const auto address = parse_ip(v.text);
            return address && network_.contains(*address);
        });
    }

private:
    IpNetwork network_;
};

class IntegerListCondition final : public FieldCondition {
public:
    IntegerListCondition(const Condition& c, std::unordered_set<std::int64_t> values)
        : FieldCondition(c.field, c.key, ValueType::Integer), values_(std::move(values)) {}
    bool eval(const EventView& event) const override {
        return any_value(event, [&](const Value& v) { return values_.count(v.number) > 0; });
    }

private:
    std::unordered_set<std::int64_t> values_;
};

class AndNode final : public Node {
public:
    explicit AndNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
    bool eval(const EventView& event) const override {
        for (const auto& child : children_) {
            if (!child->eval(event)) return false;
        }
        return true;
    }

private:
    std::vector<NodePtr> children_;
};

class OrNode final : public Node {
public:
    explicit OrNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
    bool eval(const EventView& event) const override {
        for (const auto& child : children_) {
            if (child->eval(event)) return true;
        }
        return false;
    }

private:
    std::vector<NodePtr> children_;
};

class NotNode final : public Node {
public:
    explicit NotNode(NodePtr child) : child_(std::move(child)) {}
    bool eval(const EventView& event) const override { return !child_->eval(event); }

private:
    NodePtr child_;
};

// `^(a|b\.c)$` or `^abc$` made only of literal characters → {"a", "b.c"}; anything else → nullopt.
// This is the shape any_of() builds, so scoped hunt queries can still use a store's indexes.
std::optional<std::vector<std::string>> literal_alternation(std::string_view pattern, bool nocase) {
    if (pattern.size() < 2 || pattern.front() != '^' || pattern.back() != '$') return std::nullopt;
    std::string_view body = pattern.substr(1, pattern.size() - 2);
    // Alternatives only count inside the group: `^a|b$` means (^a)|(b$), not a whole-value match.
    bool grouped = false;
    if (body.size() >= 2 && body.front() == '(' && body.back() == ')') {
        body = body.substr(1, body.size() - 2);
        grouped = true;
    }
    static constexpr std::string_view kMeta = R"(.+*?()|[]{}^$)";
    std::vector<std::string> parts(1);
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '\\') {
            if (i + 1 >= body.size()) return std::nullopt;
            const char escaped = body[++i];
            // Only escaped punctuation is a plain literal; \d, \x{..}, \Q and friends are not handled.
            if (std::isalnum(static_cast<unsigned char>(escaped)) || static_cast<unsigned char>(escaped) >= 0x80) {
                return std::nullopt;
            }
            parts.back() += escaped;
        } else if (c == '|' && grouped) {
            parts.emplace_back();
        } else if (kMeta.find(c) != std::string_view::npos) {
            return std::nullopt;
        } else {
            parts.back() += c;
        }
    }
    for (const auto& part : parts) {
        if (part.empty()) return std::nullopt;  // "" also matches a missing field, which no index holds
        // RE2 folds case by Unicode rules; pins promise ASCII folding, so only ASCII literals qualify.
        if (nocase && std::any_of(part.begin(), part.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; })) {
            return std::nullopt;
        }
    }
    return parts;
}

std::vector<std::string> list_entries(const Condition& c, const ReferenceListLookup& lists) {
    std::optional<std::vector<std::string>> found;
    if (lists) found = lists(c.text);
    if (!found) throw ParseError(c.value_column, fmt::format("reference list \"{}\" does not exist", c.text));
    std::vector<std::string> entries;
    for (auto& line : *found) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line.compare(first, 2, "//") == 0) continue;
        const auto last = line.find_last_not_of(" \t\r");
        entries.push_back(line.substr(first, last - first + 1));
    }
    return entries;
}

struct Compiled {
    NodePtr node;
    std::vector<IndexPin> pins;  // necessary conditions of this subtree (empty under NOT)
};

class Compiler {
public:
    explicit Compiler(const ReferenceListLookup& lists) : lists_(lists) {}

    Compiled compile(const QueryNode& node) {
        switch (node.kind) {
            case QueryNode::Kind::Condition: return compile_condition(node.condition);
            case QueryNode::Kind::Not: {
                Compiled inner = compile(node.children.front());
                return {std::make_unique<NotNode>(std::move(inner.node)), {}};
            }
            case QueryNode::Kind::And: {
                std::vector<NodePtr> children;
                std::vector<IndexPin> pins;
                for (const auto& child : node.children) {
                    Compiled c = compile(child);
                    children.push_back(std::move(c.node));
                    for (auto& pin : c.pins) pins.push_back(std::move(pin));
                }
                return {std::make_unique<AndNode>(std::move(children)), std::move(pins)};
            }
            case QueryNode::Kind::Or: {
                std::vector<NodePtr> children;
                IndexPin merged;
                bool every_branch_pinned = true;
                for (const auto& child : node.children) {
                    Compiled c = compile(child);
                    children.push_back(std::move(c.node));
                    if (c.pins.empty()) {
                        every_branch_pinned = false;
                        continue;
                    }
                    // Any one pin of a branch is necessary for that branch; the smallest keeps the union tight.
                    const auto smallest = std::min_element(c.pins.begin(), c.pins.end(), [](const auto& a, const auto& b) {
                        return a.alternatives.size() < b.alternatives.size();
                    });
                    for (auto& alt : smallest->alternatives) merged.alternatives.push_back(std::move(alt));
                }
                std::vector<IndexPin> pins;
                if (every_branch_pinned) pins.push_back(std::move(merged));
                return {std::make_unique<OrNode>(std::move(children)), std::move(pins)};
            }
        }
        throw ParseError(1, "corrupt query tree");
    }

private:
    Compiled compile_condition(const Condition& c) {
        const FieldInfo& info = field_info(c.field);
        std::vector<IndexPin> pins;
        NodePtr node;
        switch (c.kind) {
            case LiteralKind::String:
                if (info.type == ValueType::Timestamp) {
                    node = std::make_unique<TimestampCondition>(c.op, c.number);
                    break;
                }
                node = std::make_unique<StringCondition>(c);
                if (c.op == CompareOp::Eq && !c.text.empty() && !info.is_map) {
                    pins.push_back(IndexPin{{{c.field, ValueType::String, c.text, 0, c.nocase}}});
                }
                break;
            case LiteralKind::Regex:
                node = std::make_unique<RegexCondition>(c);
                if (c.op == CompareOp::Eq && !info.is_map) {
                    if (auto literals = literal_alternation(c.text, c.nocase)) {
                        IndexPin pin;
                        for (auto& text : *literals) {
                            pin.alternatives.push_back({c.field, ValueType::String, std::move(text), 0, c.nocase});
                        }
                        pins.push_back(std::move(pin));
                    }
                }
                break;
            case LiteralKind::Integer:
                if (info.type == ValueType::Timestamp) {
                    node = std::make_unique<TimestampCondition>(c.op, c.number * 1'000'000);
                } else {
                    node = std::make_unique<NumberCondition>(c, info.type, c.number);
                }
                break;
            case LiteralKind::Bool: node = std::make_unique<NumberCondition>(c, ValueType::Bool, c.number); break;
            case LiteralKind::Enum:
                node = std::make_unique<NumberCondition>(c, ValueType::Enum, c.number);
                // Ordinal 0 is also what a missing field reads as, so it cannot come from an index.
                if (c.op == CompareOp::Eq && c.number != 0) {
                    pins.push_back(IndexPin{{{c.field, ValueType::Enum, {}, static_cast<EnumOrdinal>(c.number), false}}});
                }
                break;
            case LiteralKind::Cidr: node = std::make_unique<CidrCondition>(c); break;
            case LiteralKind::ListRef: {
                const auto entries = list_entries(c, lists_);
                if (c.list_mode == ListMode::Regex) {
                    node = std::make_unique<RegexListCondition>(c, entries);
                } else if (c.list_mode == ListMode::Cidr) {
                    node = std::make_unique<CidrListCondition>(c, entries);
                } else if (info.type == ValueType::Integer) {
                    std::unordered_set<std::int64_t> numbers;
                    for (const auto& e : entries) {
                        std::int64_t n = 0;
                        const auto [end, ec] = std::from_chars(e.data(), e.data() + e.size(), n);
                        if (ec != std::errc() || end != e.data() + e.size()) {
                            throw ParseError(c.value_column,
                                             fmt::format("reference list \"{}\" entry \"{}\" is not an integer ({} is an "
                                                         "integer field)", c.text, e, info.path));
                        }
                        numbers.insert(n);
                    }
                    node = std::make_unique<IntegerListCondition>(c, std::move(numbers));
                } else {
                    node = std::make_unique<StringListCondition>(c, entries);
                    const bool has_empty = std::find(entries.begin(), entries.end(), "") != entries.end();
                    if (!info.is_map && !has_empty) {
                        IndexPin pin;
                        for (const auto& e : entries) pin.alternatives.push_back({c.field, ValueType::String, e, 0, c.nocase});
                        pins.push_back(std::move(pin));
                    }
                }
                break;
            }
        }
        return {std::move(node), std::move(pins)};
    }

    const ReferenceListLookup& lists_;
};

}  // namespace

struct CompiledQuery::Impl {
    QueryNode ast;
    NodePtr root;
    IndexHints hints;
};

bool CompiledQuery::matches(const EventView& event) const { return impl_->root->eval(event); }
const IndexHints& CompiledQuery::hints() const noexcept { return impl_->hints; }
const QueryNode& CompiledQuery::ast() const noexcept { return impl_->ast; }
std::string CompiledQuery::canonical_text() const { return to_query_text(impl_->ast); }

CompiledQuery compile_query(const QueryNode& query, const ReferenceListLookup& lists) {
    Compiler compiler(lists);
    Compiled compiled = compiler.compile(query);
    auto impl = std::make_shared<CompiledQuery::Impl>();
    impl->ast = query;
    impl->root = std::move(compiled.node);
    impl->hints.pins = std::move(compiled.pins);
    CompiledQuery result;
    result.impl_ = std::move(impl);
    return result;
}

CompiledQuery compile_query(std::string_view text, const ReferenceListLookup& lists) {
    return compile_query(parse_query(text), lists);
}

std::string fold_case_for_index(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\xe2' && text.substr(i, 3) == "\xe2\x84\xaa") {  // KELVIN SIGN
            out += 'k';
            i += 2;
        } else if (c == '\xc5' && text.substr(i, 2) == "\xc5\xbf") {  // LATIN SMALL LETTER LONG S
            out += 's';
            i += 1;
        } else {
            out += fold(c);
        }
    }
    return out;
}

std::optional<std::vector<EnumOrdinal>> IndexHints::event_types() const {
    std::optional<std::vector<EnumOrdinal>> best;
    for (const auto& pin : pins) {
        const bool all_event_types = std::all_of(pin.alternatives.begin(), pin.alternatives.end(), [](const auto& a) {
            return a.field == fields::event_type && a.type == ValueType::Enum;
        });
        if (!all_event_types || pin.alternatives.empty()) continue;
        if (best && best->size() <= pin.alternatives.size()) continue;
        std::vector<EnumOrdinal> values;
        for (const auto& a : pin.alternatives) values.push_back(a.ordinal);
        best = std::move(values);
    }
    return best;
}

std::optional<IndexHints::StringSet> IndexHints::strings_for(FieldId field) const {
    std::optional<StringSet> best;
    for (const auto& pin : pins) {
        const bool all_on_field = std::all_of(pin.alternatives.begin(), pin.alternatives.end(), [&](const auto& a) {
            return a.field == field && a.type == ValueType::String;
        });
        if (!all_on_field || pin.alternatives.empty()) continue;
        if (best && best->values.size() <= pin.alternatives.size()) continue;
        StringSet set;
        for (const auto& a : pin.alternatives) {
            set.values.push_back(a.text);
            set.nocase = set.nocase || a.nocase;
        }
        best = std::move(set);
    }
    return best;
}

}  // namespace lh::udm
