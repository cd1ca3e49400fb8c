#include "engine/config/model_reader.hpp"

#include <algorithm>

#include "engine/spec/series.hpp"

namespace sectorsim::config {

namespace {
// Ids longer than this are refused by the loader; no guess is made for them.
constexpr std::size_t MAX_ID_CHARS = 64;
}  // namespace

const ConfigNode* BlockContext::section(std::string_view key, bool required) const {
  if (!root_.is_map()) return nullptr;
  return required ? r_.required(root_, "", key) : ValueReader::optional(root_, key);
}

void BlockContext::read_label(const ConfigNode& parent, const std::string& parent_path,
                              const char* key, std::string* en, std::string* zh) const {
  const ConfigNode* node = ValueReader::optional(parent, key);
  if (node == nullptr) return;
  const std::string path = child_path(parent_path, key);
  if (node->is_scalar()) {
    *en = node->text();
    return;
  }
  if (!r_.open_map(*node, path, {"en", "zh"}, {})) return;
  if (const ConfigNode* n = ValueReader::optional(*node, "en")) {
    *en = r_.string(*n, child_path(path, "en")).value_or("");
  }
  if (const ConfigNode* n = ValueReader::optional(*node, "zh")) {
    *zh = r_.string(*n, child_path(path, "zh")).value_or("");
  }
}

std::optional<int> BlockContext::year_in(const ConfigNode& node, const std::string& path, int first,
                                         int last) const {
  const auto year = r_.integer(node, path);
  if (!year) return std::nullopt;
  if (*year < first || *year > last) {
    r_.error(node.pos(), path,
             "year must be in " + std::to_string(first) + ".." + std::to_string(last) + " (got " +
                 node.text() + ")");
    return std::nullopt;
  }
  return static_cast<int>(*year);
}

std::optional<int> BlockContext::horizon_year(const ConfigNode& node, const std::string& path,
                                              int first) const {
  if (!horizon_ok_) return std::nullopt;
  return year_in(node, path, first, shared_.end_year);
}

void BlockContext::read_quantity(const ConfigNode& map, const std::string& path, const char* key,
                                 const Documentation& doc, const Range& range, double* out) const {
  if (const ConfigNode* node = r_.required(map, path, key)) {
    *out = r_.quantity(*node, child_path(path, key), doc, range).value_or(*out);
  }
}

void BlockContext::read_optional_quantity(const ConfigNode& map, const std::string& path,
                                          const char* key, const Documentation& doc,
                                          const Range& range, double* out) const {
  if (const ConfigNode* node = ValueReader::optional(map, key)) {
    *out = r_.quantity(*node, child_path(path, key), doc, range).value_or(*out);
  }
}

void BlockContext::read_flag(const ConfigNode& map, const std::string& path, const char* key,
                             bool* out) const {
  if (const ConfigNode* node = ValueReader::optional(map, key)) {
    *out = r_.boolean(*node, child_path(path, key)).value_or(*out);
  }
}

ValueReader::KeyIndex BlockContext::year_key(int first_year) const {
  return [this, first_year](const ConfigEntry& e,
                            const std::string& path) -> std::optional<std::size_t> {
    const auto year = horizon_year(ConfigNode::scalar(e.key, true, e.key_pos), path, first_year);
    if (!year) return std::nullopt;
    return static_cast<std::size_t>(*year - shared_.base_year);
  };
}

ValueReader::KeyIndex BlockContext::sector_key() const {
  return [this](const ConfigEntry& e, const std::string& path) -> std::optional<std::size_t> {
    const auto it = std::find(sector_ids_.begin(), sector_ids_.end(), e.key);
    if (!e.key.empty() && it != sector_ids_.end())
      return static_cast<std::size_t>(it - sector_ids_.begin());
    if (sector_ids_complete_) report_unknown_sector(e.key_pos, path, e.key);
    return std::nullopt;
  };
}

void BlockContext::report_unknown_sector(const SourcePos& pos, const std::string& path,
                                         const std::string& id) const {
  std::string message = "unknown sector '" + id + "'";
  // No guess for a key longer than any id: it cannot be a misspelling.
  const std::string guess = id.size() <= MAX_ID_CHARS ? core::closest_match(id, sector_ids_) : "";
  if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
  r_.error(pos, path, message);
}

}  // namespace sectorsim::config
