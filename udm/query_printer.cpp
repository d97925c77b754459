#include "udm/query_printer.hpp"

#include <fmt/format.h>

namespace lh::udm {
namespace {

// Like quote_string, but total: the parser never produces other control characters in a string.
std::string print_string(std::string_view value) {
    std::string out = "\"";
    for (const char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default: out += c;
        }
    }
    out += '"';
    return out;
}

// The stored pattern has "\/" decoded; walk escape pairs so only bare slashes get re-escaped.
std::string print_regex(std::string_view pattern) {
    std::string out = "/";
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            out += c;
            out += pattern[++i];
        } else if (c == '/') {
            out += "\\/";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    out += '/';
    return out;
}

void print(const QueryNode& node, std::string& out);

void print_child(const QueryNode& child, QueryNode::Kind parent, std::string& out) {
    // OR binds loosest, so an OR inside AND or NOT needs parentheses; an AND inside NOT does too.
    const bool needs_parens = (child.kind == QueryNode::Kind::Or && parent != QueryNode::Kind::Or) ||
                              (child.kind == QueryNode::Kind::And && parent == QueryNode::Kind::Not);
    if (needs_parens) out += '(';
    print(child, out);
    if (needs_parens) out += ')';
}

void print(const QueryNode& node, std::string& out) {
    switch (node.kind) {
        case QueryNode::Kind::Condition: out += to_query_text(node.condition); return;
        case QueryNode::Kind::Not:
            out += "NOT ";
            print_child(node.children.front(), node.kind, out);
            return;
        case QueryNode::Kind::And:
        case QueryNode::Kind::Or: {
            const char* separator = node.kind == QueryNode::Kind::And ? " AND " : " OR ";
            for (std::size_t i = 0; i < node.children.size(); ++i) {
                if (i > 0) out += separator;
                print_child(node.children[i], node.kind, out);
            }
            return;
        }
    }
}

}  // namespace

std::string to_query_text(const Condition& c) {
    const auto& info = field_info(c.field);
    if (c.kind == LiteralKind::Cidr) return fmt::format("net.ip_in_range_cidr({}, {})", info.path, print_string(c.text));
    std::string out = info.path;
    if (info.is_map) out += fmt::format("[{}]", print_string(c.key));
    out += ' ';
    out += compare_op_text(c.op);
    out += ' ';
    switch (c.kind) {
        case LiteralKind::String:
        case LiteralKind::Enum: out += print_string(c.text); break;
        case LiteralKind::Regex: out += print_regex(c.text); break;
        case LiteralKind::Integer: out += std::to_string(c.number); break;
        case LiteralKind::Bool: out += c.number != 0 ? "true" : "false"; break;
        case LiteralKind::Cidr: break;  // printed as a function above
        case LiteralKind::ListRef:
            if (c.list_mode == ListMode::Regex) out += "regex ";
            if (c.list_mode == ListMode::Cidr) out += "cidr ";
            out += '%' + c.text;
            break;
    }
    if (c.nocase) out += " nocase";
    return out;
}

std::string to_query_text(const QueryNode& query) {
    std::string out;
    print(query, out);
    return out;
}

}  // namespace lh::udm
