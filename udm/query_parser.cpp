#include "udm/query_parser.hpp"

#include "udm/event.hpp"
#include "udm/ip_network.hpp"
#include "udm/query_lexer.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace lh::udm {

std::string_view compare_op_text(CompareOp op) noexcept {
    switch (op) {
        case CompareOp::Eq: return "=";
        case CompareOp::Ne: return "!=";
        case CompareOp::Lt: return "<";
        case CompareOp::Le: return "<=";
        case CompareOp::Gt: return ">";
        case CompareOp::Ge: return ">=";
        case CompareOp::InList: return "in";
        case CompareOp::InCidr: return "net.ip_in_range_cidr";
    }
    return "?";
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool is_keyword(const Token& t, std::string_view keyword) { return t.kind == TokenKind::Word && iequals(t.text, keyword); }

std::string describe(const Token& t) {
    switch (t.kind) {
        case TokenKind::End: return "the end of the query";
        case TokenKind::String: return fmt::format("the string {}", t.raw);
        case TokenKind::Regex: return fmt::format("the regex {}", t.raw);
        case TokenKind::Integer: return fmt::format("the number {}", t.raw);
        case TokenKind::ListRef: return fmt::format("the list {}", t.raw);
        default: return fmt::format("\"{}\"", t.raw);
    }
}

std::optional<CompareOp> op_of(std::string_view text) {
    if (text == "=") return CompareOp::Eq;
    if (text == "!=") return CompareOp::Ne;
    if (text == "<") return CompareOp::Lt;
    if (text == "<=") return CompareOp::Le;
    if (text == ">") return CompareOp::Gt;
    if (text == ">=") return CompareOp::Ge;
    return std::nullopt;
}

void append_flattened(QueryNode& parent, QueryNode child) {
    if (child.kind == parent.kind) {
        for (auto& grandchild : child.children) parent.children.push_back(std::move(grandchild));
    } else {
        parent.children.push_back(std::move(child));
    }
}

class Parser {
public:
    explicit Parser(std::string_view text) : lexer_(text) { advance(); }

    QueryNode parse() {
        if (cur_.kind == TokenKind::End) throw ParseError(cur_.column, "empty query");
        QueryNode root = parse_or();
        if (cur_.kind == TokenKind::RParen) throw ParseError(cur_.column, "unmatched \")\"");
        if (cur_.kind != TokenKind::End) {
            throw ParseError(cur_.column, fmt::format("unexpected {}; expected AND, OR or another condition", describe(cur_)));
        }
        return root;
    }

private:
    void advance() { cur_ = lexer_.next(); }

    bool starts_unary(const Token& t) const {
        if (t.kind == TokenKind::LParen) return true;
        if (t.kind != TokenKind::Word) return t.kind == TokenKind::String || t.kind == TokenKind::Regex ||
                                               t.kind == TokenKind::Integer;
        return !is_keyword(t, "AND") && !is_keyword(t, "OR");
    }

    QueryNode parse_or() {
        QueryNode first = parse_and();
        if (!is_keyword(cur_, "OR")) return first;
        QueryNode node;
        node.kind = QueryNode::Kind::Or;
        append_flattened(node, std::move(first));
        while (is_keyword(cur_, "OR")) {
            const Token keyword = cur_;
            advance();
            expect_operand_after(keyword);
            append_flattened(node, parse_and());
        }
        return node;
    }

    QueryNode parse_and() {
        QueryNode first = parse_unary();
        if (!is_keyword(cur_, "AND") && !starts_unary(cur_)) return first;
        QueryNode node;
        node.kind = QueryNode::Kind::And;
        append_flattened(node, std::move(first));
        while (true) {
            if (is_keyword(cur_, "AND")) {
                const Token keyword = cur_;
                advance();
                expect_operand_after(keyword);
            } else if (!starts_unary(cur_)) {
                break;
            }
            append_flattened(node, parse_unary());
        }
        return node;
    }

    void expect_operand_after(const Token& keyword) {
        if (cur_.kind == TokenKind::End || cur_.kind == TokenKind::RParen || is_keyword(cur_, "AND") ||
            is_keyword(cur_, "OR")) {
            throw ParseError(cur_.column, fmt::format("expected a condition after {}", upper(keyword.text)));
        }
    }

    // Bounds recursion so that hostile input cannot exhaust the stack (here, in the printer or the compiler).
    struct DepthGuard {
        explicit DepthGuard(Parser& p) : parser(p) {
            if (++parser.depth_ > kMaxDepth) {
                throw ParseError(parser.cur_.column,
                                 fmt::format("query nested deeper than {} levels of parentheses and NOT", kMaxDepth));
            }
        }
        ~DepthGuard() { --parser.depth_; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
        Parser& parser;
    };
    static constexpr int kMaxDepth = 200;

    QueryNode parse_unary() {
        const DepthGuard guard(*this);
        if (is_keyword(cur_, "NOT")) {
            const Token keyword = cur_;
            advance();
            expect_operand_after(keyword);
            QueryNode node;
            node.kind = QueryNode::Kind::Not;
            node.children.push_back(parse_unary());
            return node;
        }
        if (cur_.kind == TokenKind::LParen) {
            const Token open = cur_;
            advance();
            if (cur_.kind == TokenKind::RParen) throw ParseError(cur_.column, "empty parentheses");
            QueryNode inner = parse_or();
            if (cur_.kind != TokenKind::RParen) {
                throw ParseError(cur_.column, fmt::format("expected \")\" to close the \"(\" at col {}, got {}",
                                                          open.column, describe(cur_)));
            }
            advance();
            return inner;
        }
        QueryNode node;
        node.kind = QueryNode::Kind::Condition;
        node.condition = parse_condition();
        return node;
    }

    Condition parse_condition() {
        if (cur_.kind == TokenKind::RParen) throw ParseError(cur_.column, "unmatched \")\"");
        if (cur_.kind != TokenKind::Word) {
            throw ParseError(cur_.column, fmt::format("expected a field path, got {}; a condition is field = value",
                                                      describe(cur_)));
        }
        if (is_keyword(cur_, "AND") || is_keyword(cur_, "OR")) {
            throw ParseError(cur_.column, fmt::format("expected a condition before {}", upper(cur_.text)));
        }
        if (is_keyword(cur_, "nocase")) {
            throw ParseError(cur_.column, "nocase must directly follow a string or regex value");
        }
        Condition cond;
        cond.column = cur_.column;
        const Token path = cur_;
        advance();
        if (cur_.kind == TokenKind::LParen && !find_field(path.text)) return parse_function(path);
        std::string key;
        bool has_key = false;
        if (cur_.kind == TokenKind::LBracket) {
            advance();
            if (cur_.kind != TokenKind::String) {
                throw ParseError(cur_.column, fmt::format("expected a quoted key inside [...], e.g. {}[\"key\"]", path.text));
            }
            key = cur_.text;
            has_key = true;
            advance();
            if (cur_.kind != TokenKind::RBracket) throw ParseError(cur_.column, "expected \"]\" after the key");
            advance();
        }
        cond.field = resolve_field(path, has_key);
        cond.key = std::move(key);
        const FieldInfo& info = field_info(cond.field);

        // Operator.
        if (cur_.kind == TokenKind::Word) {
            if (iequals(cur_.text, "CONTAINS")) {
                throw ParseError(cur_.column, "UDM search has no CONTAINS; write field = /value/ nocase");
            }
            if (iequals(cur_.text, "LIKE")) {
                throw ParseError(cur_.column, "UDM search has no LIKE; write field = /regex/ nocase");
            }
            if (iequals(cur_.text, "in")) return parse_list_condition(std::move(cond), info);
        }
        if (cur_.kind != TokenKind::Op) {
            throw ParseError(cur_.column, fmt::format("expected an operator (= != < <= > >=) after {}, got {}",
                                                      path.text, describe(cur_)));
        }
        const Token op_token = cur_;
        cond.op = *op_of(op_token.text);
        advance();
        parse_value(cond, info, op_token);
        return cond;
    }

    // net.ip_in_range_cidr(field, "range"), the one UDM search function the hunt needs.
    Condition parse_function(const Token& name) {
        if (name.text != "net.ip_in_range_cidr") {
            throw ParseError(name.column, fmt::format("unknown function {}; the supported function is "
                                                      "net.ip_in_range_cidr(field, \"10.0.0.0/8\")", name.text));
        }
        advance();  // (
        if (cur_.kind != TokenKind::Word) {
            throw ParseError(cur_.column, fmt::format("expected a field path as the first argument of {}, got {}",
                                                      name.text, describe(cur_)));
        }
        const Token path = cur_;
        Condition cond;
        cond.column = name.column;
        cond.field = resolve_field(path, false);
        const FieldInfo& info = field_info(cond.field);
        if (info.type != ValueType::String) {
            throw ParseError(path.column, fmt::format("{} needs a string field holding IP addresses; {} is {}", name.text,
                                                      info.path, value_type_name(info.type)));
        }
        advance();
        if (cur_.kind != TokenKind::Comma) {
            throw ParseError(cur_.column, fmt::format("expected \",\" after {}, got {}", path.text, describe(cur_)));
        }
        advance();
        if (cur_.kind != TokenKind::String) {
            throw ParseError(cur_.column, fmt::format("expected a quoted CIDR range such as \"10.0.0.0/8\", got {}",
                                                      describe(cur_)));
        }
        if (!parse_cidr(cur_.text)) {
            throw ParseError(cur_.column, fmt::format("\"{}\" is not a CIDR range such as \"10.0.0.0/8\"", cur_.text));
        }
        cond.op = CompareOp::InCidr;
        cond.kind = LiteralKind::Cidr;
        cond.text = cur_.text;
        cond.value_column = cur_.column;
        advance();
        if (cur_.kind != TokenKind::RParen) {
            throw ParseError(cur_.column, fmt::format("expected \")\" to close {}(, got {}", name.text, describe(cur_)));
        }
        advance();
        return cond;
    }

    FieldId resolve_field(const Token& path, bool has_key) {
        // Chronicle also spells the timestamp as a seconds field; integers here are seconds anyway.
        if (path.text == "metadata.event_timestamp.seconds" && !has_key) return fields::event_timestamp;
        const auto id = find_field(path.text);
        if (!id) {
            const std::string suggestion = suggest_field(path.text);
            if (suggestion.empty()) throw ParseError(path.column, fmt::format("unknown field \"{}\"", path.text));
            throw ParseError(path.column,
                             fmt::format("unknown field \"{}\" (did you mean \"{}\"?)", path.text, suggestion));
        }
        const FieldInfo& info = field_info(*id);
        if (info.is_map && !has_key) {
            throw ParseError(path.column, fmt::format("{} is a map; write {}[\"key\"]", info.path, info.path));
        }
        if (!info.is_map && has_key) {
            throw ParseError(path.column, fmt::format("{} is not a map field and takes no [\"key\"]", info.path));
        }
        return *id;
    }

    Condition parse_list_condition(Condition cond, const FieldInfo& info) {
        const Token in = cur_;
        advance();
        if (cur_.kind == TokenKind::LParen) {
            throw ParseError(in.column,
                             "UDM search has no IN (...) list; write field = /^(a|b)$/ nocase or use an OR group");
        }
        ListMode mode = ListMode::Exact;
        if (is_keyword(cur_, "regex") || is_keyword(cur_, "cidr")) {
            mode = is_keyword(cur_, "regex") ? ListMode::Regex : ListMode::Cidr;
            const Token mode_token = cur_;
            if (info.type != ValueType::String) {
                throw ParseError(mode_token.column, fmt::format("in {} %list needs a string field; {} is {}",
                                                                 mode == ListMode::Regex ? "regex" : "cidr", info.path,
                                                                 value_type_name(info.type)));
            }
            advance();
        }
        if (cur_.kind != TokenKind::ListRef) {
            throw ParseError(cur_.column, fmt::format("expected a reference list (%name) after in, got {}", describe(cur_)));
        }
        if (info.type != ValueType::String && info.type != ValueType::Integer) {
            throw ParseError(in.column, fmt::format("reference lists only apply to string and integer fields; {} is {}",
                                                    info.path, value_type_name(info.type)));
        }
        cond.list_mode = mode;
        cond.op = CompareOp::InList;
        cond.kind = LiteralKind::ListRef;
        cond.text = cur_.text;
        cond.value_column = cur_.column;
        advance();
        parse_nocase(cond, info);
        return cond;
    }

    void parse_nocase(Condition& cond, const FieldInfo& info) {
        if (!is_keyword(cur_, "nocase")) return;
        if (cond.kind == LiteralKind::Integer || cond.kind == LiteralKind::Bool || info.type == ValueType::Integer) {
            throw ParseError(cur_.column, "nocase only follows a string or a regex");
        }
        if (cond.kind == LiteralKind::ListRef && cond.list_mode == ListMode::Cidr) {
            throw ParseError(cur_.column, "nocase does not apply to in cidr %list");
        }
        if (cond.kind == LiteralKind::Enum) {
            throw ParseError(cur_.column, fmt::format("nocase is not allowed on enum field {}; enum values are upper case",
                                                      info.path));
        }
        cond.nocase = true;
        advance();
    }

    void parse_value(Condition& cond, const FieldInfo& info, const Token& op_token) {
        const Token value = cur_;
        cond.value_column = value.column;
        const bool ordering = cond.op != CompareOp::Eq && cond.op != CompareOp::Ne;
        switch (value.kind) {
            case TokenKind::String: check_string_value(cond, info, value, op_token, ordering); break;
            case TokenKind::Regex: check_regex_value(cond, info, value, op_token); break;
            case TokenKind::Integer:
                if (info.type == ValueType::String) {
                    throw ParseError(value.column, fmt::format("{} is a string field; quote the value: \"{}\"", info.path,
                                                               value.text));
                }
                if (info.type == ValueType::Enum) {
                    throw ParseError(value.column, fmt::format("{} is an enum field; write a quoted {} value such as \"{}\"",
                                                               info.path, enum_kind_name(info.enum_kind),
                                                               enum_values(info.enum_kind)[1]));
                }
                if (info.type == ValueType::Bool) {
                    throw ParseError(value.column, fmt::format("{} is a bool field; write true or false", info.path));
                }
                cond.kind = LiteralKind::Integer;
                cond.number = value.number;
                break;
            case TokenKind::Word:
                if (iequals(value.text, "true") || iequals(value.text, "false")) {
                    if (info.type != ValueType::Bool) {
                        throw ParseError(value.column, fmt::format("{} is {} field, not a bool field",
                                                                   info.path, article_type(info)));
                    }
                    if (ordering) throw ParseError(op_token.column, "bool fields only take = and !=");
                    cond.kind = LiteralKind::Bool;
                    cond.number = iequals(value.text, "true") ? 1 : 0;
                    break;
                }
                if (is_keyword(value, "AND") || is_keyword(value, "OR") || is_keyword(value, "NOT")) {
                    throw ParseError(value.column, fmt::format("expected a value after \"{}\"", op_token.text));
                }
                throw ParseError(value.column, fmt::format("unquoted value {}; write \"{}\"", value.text, value.text));
            default: throw ParseError(value.column, fmt::format("expected a value after \"{}\"", op_token.text));
        }
        advance();
        parse_nocase(cond, info);
    }

    static std::string article_type(const FieldInfo& info) {
        const auto name = value_type_name(info.type);
        return fmt::format("{} {}", (name.front() == 'i' || name.front() == 'e') ? "an" : "a", name);
    }

    void check_string_value(Condition& cond, const FieldInfo& info, const Token& value, const Token& op_token,
                            bool ordering) {
        switch (info.type) {
            case ValueType::String:
                if (ordering) {
                    throw ParseError(op_token.column, fmt::format("{} is a string field; {} needs an integer field",
                                                                 info.path, op_token.text));
                }
                cond.kind = LiteralKind::String;
                cond.text = value.text;
                return;
            case ValueType::Integer:
                throw ParseError(value.column, fmt::format("{} is an integer field; write the number without quotes",
                                                           info.path));
            case ValueType::Bool:
                throw ParseError(value.column, fmt::format("{} is a bool field; write true or false", info.path));
            case ValueType::Timestamp: {
                const auto micros = parse_rfc3339_us(value.text);
                if (!micros) {
                    throw ParseError(value.column, fmt::format("\"{}\" is not an RFC 3339 time such as "
                                                               "\"2020-09-20T10:11:12Z\"", value.text));
                }
                cond.kind = LiteralKind::String;
                cond.text = value.text;
                cond.number = *micros;
                return;
            }
            case ValueType::Enum: {
                if (ordering) {
                    throw ParseError(op_token.column, fmt::format("enum field {} only takes = and !=", info.path));
                }
                const auto ordinal = enum_ordinal(info.enum_kind, value.text);
                if (!ordinal) {
                    const auto suggestion = suggest_enum_value(info.enum_kind, value.text);
                    if (!suggestion.empty()) {
                        throw ParseError(value.column,
                                         fmt::format("\"{}\" is not a valid {} value (did you mean \"{}\"?)", value.text,
                                                     enum_kind_name(info.enum_kind), suggestion));
                    }
                    throw ParseError(value.column, fmt::format("\"{}\" is not a valid {} value for {}", value.text,
                                                               enum_kind_name(info.enum_kind), info.path));
                }
                cond.kind = LiteralKind::Enum;
                cond.text = value.text;
                cond.number = *ordinal;
                return;
            }
        }
    }

    void check_regex_value(Condition& cond, const FieldInfo& info, const Token& value, const Token& op_token) {
        if (info.type == ValueType::Enum) {
            throw ParseError(value.column, fmt::format("regex is not allowed on enum field {}", info.path));
        }
        if (info.type != ValueType::String) {
            throw ParseError(value.column, fmt::format("regex is not allowed on {} field {}", value_type_name(info.type),
                                                       info.path));
        }
        if (cond.op != CompareOp::Eq && cond.op != CompareOp::Ne) {
            throw ParseError(op_token.column, fmt::format("a regex takes = or !=, not {}", op_token.text));
        }
        RE2::Options options;
        options.set_log_errors(false);
        const RE2 compiled(value.text, options);
        if (!compiled.ok()) {
            throw ParseError(value.column, fmt::format("invalid regex {}: {}", value.raw, compiled.error()));
        }
        cond.kind = LiteralKind::Regex;
        cond.text = value.text;
    }

    Lexer lexer_;
    Token cur_;
    int depth_ = 0;
};

}  // namespace

QueryNode parse_query(std::string_view text) { return Parser(text).parse(); }

}  // namespace lh::udm
