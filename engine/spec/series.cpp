#include "engine/spec/series.hpp"

#include <algorithm>
#include <numeric>

namespace sectorsim::core {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A plausible misspelling: at most a third of the longer word, and at most 3 edits.
  const std::size_t len = std::max(word.size(), best.size());
  if (best.empty() || best_d == 0 || best_d > 3 || 3 * best_d > len) return "";
  return best;
}

std::optional<SeriesRef> resolve_series(std::string_view name, const std::vector<SeriesInfo>& all,
                                        const std::vector<std::string>& sector_ids,
                                        std::string* error) {
  std::vector<std::string> names;
  for (const auto& s : all) {
    names.push_back(s.by_sector ? s.name + ".<sector>" : s.name);
  }
  auto fail = [&](const std::string& msg) -> std::optional<SeriesRef> {
    if (error) *error = msg;
    return std::nullopt;
  };
  const auto dot = name.find('.');
  const std::string_view head = name.substr(0, dot);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].name != head) continue;
    if (!all[i].by_sector) {
      if (dot != std::string_view::npos) {
        return fail("indicator '" + all[i].name + "' has no sectors (got '" + std::string(name) +
                    "')");
      }
      return SeriesRef{static_cast<int>(i), -1};
    }
    if (dot == std::string_view::npos) {
      return fail("series '" + all[i].name + "' needs a sector, as in '" + all[i].name + "." +
                  (sector_ids.empty() ? std::string("<sector>") : sector_ids.front()) + "'");
    }
    const std::string_view sec = name.substr(dot + 1);
    for (std::size_t s = 0; s < sector_ids.size(); ++s) {
      if (sector_ids[s] == sec) return SeriesRef{static_cast<int>(i), static_cast<int>(s)};
    }
    std::string msg = "unknown sector '" + std::string(sec) + "' in '" + std::string(name) + "'";
    const std::string hint = closest_match(sec, sector_ids);
    if (!hint.empty()) msg += " (did you mean '" + all[i].name + "." + hint + "'?)";
    return fail(msg);
  }
  std::vector<std::string> plain;
  for (const auto& s : all)
    plain.push_back(s.name);
  std::string msg = "unknown indicator '" + std::string(name) + "'";
  const std::string hint = closest_match(head, plain);
  if (!hint.empty()) {
    msg += " (did you mean '" + hint + "'?)";
  } else {
    std::string list;
    for (const auto& n : names)
      list += (list.empty() ? "" : ", ") + n;
    msg += "; known: " + list;
  }
  return fail(msg);
}

}  // namespace sectorsim::core
