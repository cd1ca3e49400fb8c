#include "engine/spec/results.hpp"

#include <algorithm>
#include <cstdio>

namespace sectorsim::core {

std::uint64_t ScenarioResult::nonfinite_cells() const {
  std::uint64_t cells = 0;
  for (const SeriesSummary& s : summaries)
    cells += static_cast<std::uint64_t>(std::count_if(s.nonfinite.begin(), s.nonfinite.end(),
                                                      [](std::uint64_t n) { return n > 0; }));
  return cells;
}

std::uint64_t ScenarioResult::undefined_targets() const {
  return static_cast<std::uint64_t>(
      std::count_if(targets.begin(), targets.end(), [](const TargetResult& t) {
        return std::any_of(t.by_year.begin(), t.by_year.end(),
                           [](const Proportion& p) { return p.undefined > 0; });
      }));
}

namespace {

struct Finding {
  std::uint64_t count;
  std::size_t order;  // reading order: series, year, sector; then targets
  std::string text;
};

std::string share(std::uint64_t count, std::uint64_t draws) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%llu of %llu draws (%.3g%%)",
                static_cast<unsigned long long>(count), static_cast<unsigned long long>(draws),
                draws ? 100.0 * static_cast<double>(count) / static_cast<double>(draws) : 0.0);
  return buf;
}

}  // namespace

std::vector<std::string> describe_nonfinite(const ScenarioResult& r, std::size_t limit) {
  std::vector<Finding> found;
  const std::size_t n_years = r.years.size();
  const std::size_t n_sectors = r.sector_ids.size();
  // One line a series (and sector) or target: the years affected and the
  // most draws in one of them.
  const auto years_of = [&](const auto& count_in_year, std::uint64_t* most) {
    std::string text;
    int first = 0, last = 0;
    bool open = false;
    const auto close = [&] {
      if (!open) return;
      text += (text.empty() ? "" : ", ") + std::to_string(first) +
              (last > first ? "-" + std::to_string(last) : "");
      open = false;
    };
    *most = 0;
    for (std::size_t y = 0; y < n_years; ++y) {
      const std::uint64_t n = count_in_year(y);
      *most = std::max(*most, n);
      if (n == 0) {
        close();
      } else if (open && r.years[y] == last + 1) {
        last = r.years[y];
      } else {
        close();
        first = last = r.years[y];
        open = true;
      }
    }
    close();
    return text;
  };
  const auto most_text = [&](std::uint64_t most, bool several) {
    return (several ? "up to " : "") + share(most, r.draws);
  };
  for (const SeriesSummary& s : r.summaries) {
    const std::size_t width = s.info.by_sector ? n_sectors : 1;
    if (s.nonfinite.size() != n_years * width) continue;
    for (std::size_t k = 0; k < width; ++k) {
      std::uint64_t most = 0;
      std::size_t hit = 0;
      const std::string years = years_of(
          [&](std::size_t y) {
            const std::uint64_t n = s.nonfinite[y * width + k];
            hit += n > 0;
            return n;
          },
          &most);
      if (most == 0) continue;
      const std::string name = s.info.by_sector ? s.info.name + "." + r.sector_ids[k] : s.info.name;
      found.push_back({most, found.size(),
                       name + " " + years + ": " + most_text(most, hit > 1) + " NaN or +-inf"});
    }
  }
  for (const TargetResult& t : r.targets) {
    if (t.by_year.size() != n_years) continue;
    std::uint64_t most = 0;
    std::size_t hit = 0;
    const std::string years = years_of(
        [&](std::size_t y) {
          hit += t.by_year[y].undefined > 0;
          return t.by_year[y].undefined;
        },
        &most);
    if (most == 0) continue;
    std::string what = t.spec.indicator;
    if (t.spec.relative_to_year) what += "/" + std::to_string(*t.spec.relative_to_year);
    found.push_back(
        {most, found.size(),
         "target " + t.spec.id + " " + years + ": " + what + " is not a finite number in " +
             most_text(most, hit > 1) +
             (t.spec.relative_to_year ? " (a ratio to zero or to a value that is not)" : "")});
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const Finding& a, const Finding& b) { return a.count > b.count; });
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < found.size() && i < limit; ++i)
    lines.push_back(found[i].text);
  if (found.size() > limit) {
    lines.push_back("... and " + std::to_string(found.size() - limit) + " more");
  }
  return lines;
}

std::string nonfinite_headline(const ScenarioResult& r) {
  const std::uint64_t cells = r.nonfinite_cells();
  const std::uint64_t targets = r.undefined_targets();
  return std::to_string(cells) + (cells == 1 ? " cell holds" : " cells hold") +
         " values that are not finite numbers and " + std::to_string(targets) +
         (targets == 1 ? " target was" : " targets were") + " undefined in some draws";
}

TargetVerdict target_verdict(const TargetResult& t) {
  const Proportion& own = t.in_year;
  if (own.n == 0) return TargetVerdict::Open;
  if (own.met == 0) return TargetVerdict::NeverMet;
  if (own.met < own.n) return TargetVerdict::Open;
  // by_year[0] is the base year: met there in every draw means the data
  // decided it before the model ran.
  const bool base_always =
      !t.by_year.empty() && t.by_year.front().n > 0 && t.by_year.front().met == t.by_year.front().n;
  return base_always ? TargetVerdict::AlreadyMet : TargetVerdict::AlwaysMet;
}

namespace {

std::string percent_bound(double p) {
  char buf[32];
  const double pct = 100 * p;
  std::snprintf(buf, sizeof buf, pct >= 10 ? "%.1f%%" : "%.2g%%", pct);
  return buf;
}

}  // namespace

std::string verdict_text(const TargetResult& t, const std::vector<int>& years) {
  const std::string year = std::to_string(t.spec.year);
  const std::string draws = std::to_string(t.in_year.n);
  switch (target_verdict(t)) {
    case TargetVerdict::Open:
      return "";
    case TargetVerdict::AlreadyMet:
      return "met in the base year " +
             (years.empty() ? std::string("") : std::to_string(years[0])) +
             " in every draw, and in " + year +
             " in every draw: decided by the data, not by the plan";
    case TargetVerdict::AlwaysMet:
      return "met in " + year + " in every one of " + draws + " draws (95% lower bound " +
             percent_bound(t.in_year.low) + "): no policy mix of these priors changes it";
    case TargetVerdict::NeverMet:
      return "met in " + year + " in none of " + draws + " draws (95% upper bound " +
             percent_bound(t.in_year.high) +
             "): out of reach under these priors, whatever the plan's levers do";
  }
  return "";
}

std::string joint_text(const ScenarioResult& r) {
  if (r.targets.empty() || r.all_targets.n == 0) return "";
  if (r.all_targets.met == r.all_targets.n) return "every draw meets every target";
  if (r.all_targets.met > 0) return "";
  std::string never;
  for (const TargetResult& t : r.targets) {
    if (target_verdict(t) == TargetVerdict::NeverMet)
      never += (never.empty() ? "" : ", ") + t.spec.id;
  }
  if (!never.empty()) {
    return "the joint probability is 0 because " + never +
           (never.find(',') == std::string::npos ? " is" : " are") + " met in no draw";
  }
  return "the joint probability is 0: each target is met in some draws, but no draw meets all "
         "of them at once";
}

}  // namespace sectorsim::core
