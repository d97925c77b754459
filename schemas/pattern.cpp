#include "schemas/pattern.hpp"

#include <stdexcept>

#include <re2/re2.h>

namespace lh::schemas::detail {

Pattern::Pattern(std::string source) : source_(std::move(source)) {
  RE2::Options options;
  options.set_log_errors(false);  // a rejected pattern is reported to the caller, not printed
  auto candidate = std::make_unique<RE2>(source_, options);
  if (candidate->ok()) {
    re2_ = std::move(candidate);
    return;
  }
  const std::string re2_error = candidate->error();
  try {
    ecma_ = std::make_unique<std::regex>(source_, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw std::invalid_argument("invalid regular expression \"" + source_ + "\": " + re2_error);
  }
}

Pattern::~Pattern() = default;

bool Pattern::search(std::string_view text) const {
  if (re2_) return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re2_);
  return std::regex_search(text.begin(), text.end(), *ecma_);
}

}  // namespace lh::schemas::detail
