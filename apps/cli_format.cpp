#include "apps/cli_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <utility>

#include "engine/io/output_target.hpp"
#include "engine/run/health.hpp"
#include "engine/spec/series.hpp"

namespace sectorsim::cli {

Progress::Progress(bool enabled, std::string label)
    : enabled_(enabled),
      label_(std::move(label)),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0.0;
  const int width = 30;
  const int fill = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(fill), '#');
  bar.resize(width, '.');
  std::fprintf(stderr, "\r%s [%s] %5.1f%% %llu/%llu draws %.3g draws/s ETA %.0fs   ",
               label_.c_str(), bar.c_str(), 100.0 * frac, static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), rate, eta);
  std::fflush(stderr);
}

Progress::~Progress() {
  finish();
}

void Progress::restart() {
  start_ = last_ = std::chrono::steady_clock::now();
}

void Progress::finish() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

namespace {

// One number format for every value of the tables (thresholds, medians,
// bounds, differences): five significant digits in fixed notation without
// trailing zeros (1500, 2630.2, 0.35), scientific outside [1e-3, 1e6).
std::string fmt(double v) {
  char buf[48];
  const double a = std::fabs(v);
  if (!std::isfinite(v) || (a != 0 && (a >= 1e6 || a < 1e-3))) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  const int magnitude = a == 0 ? 0 : static_cast<int>(std::floor(std::log10(a)));
  const int decimals = std::clamp(4 - magnitude, 0, 7);
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string out = buf;
  if (out.find('.') != std::string::npos) {
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

std::string pad(const std::string& s, std::size_t w) {
  return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' ');
}

}  // namespace

void print_target_table(std::ostream& os, const core::ScenarioSpec& spec,
                        const core::ScenarioResult& result, double seconds, int threads,
                        int processes) {
  char workers[64];
  if (processes > 1) {
    std::snprintf(workers, sizeof workers, "%d processes (%d thread%s on process 0)", processes,
                  threads, threads == 1 ? "" : "s");
  } else {
    std::snprintf(workers, sizeof workers, "%d thread%s", threads, threads == 1 ? "" : "s");
  }
  char head[320];
  std::snprintf(head, sizeof head,
                "%s: %llu draws, seed %llu, sampler %s, %s, %.2f s (%.3g draws/s)\n",
                result.name.c_str(), static_cast<unsigned long long>(result.draws),
                static_cast<unsigned long long>(result.seed), core::sampler_name(result.sampler),
                workers, seconds, seconds > 0 ? static_cast<double>(result.draws) / seconds : 0.0);
  os << head;
  if (result.conditioning) {
    const core::Conditioning& c = *result.conditioning;
    char line[480];
    std::snprintf(line, sizeof line,
                  "conditioned on %zu observations: effective sample size %.1f of %llu draws "
                  "(%.2f%%), the heaviest draw %.2f%% of the weight; %llu draws kept, the rest "
                  "%.2g of the weight; every statistic and probability below is weighted "
                  "(quantiles: inverted weighted CDF), intervals at the effective size\n",
                  c.observations, c.ess, static_cast<unsigned long long>(result.draws),
                  result.draws ? 100.0 * c.ess / static_cast<double>(result.draws) : 0.0,
                  100.0 * c.max_weight_share, static_cast<unsigned long long>(c.kept),
                  c.dropped_weight_share);
    os << line;
  }
  if (result.targets.empty()) {
    os << "(no targets)\n";
    return;
  }
  std::vector<std::string> ids;
  for (const auto& s : spec.sectors)
    ids.push_back(s.id);
  std::vector<core::SeriesInfo> series;  // the model's, as the run summarised them
  for (const auto& s : result.summaries)
    series.push_back(s.info);
  os << "\n"
     << pad("target", 28) << pad("year", 6) << pad("condition", 32) << pad("P(met)", 8)
     << pad("95% CI", 18) << "indicator median [5%, 95%]\n";
  bool any_relative = false;
  for (const auto& t : result.targets) {
    const auto& ts = t.spec;
    std::string cond = ts.indicator;
    if (ts.relative_to_year) cond += "/" + std::to_string(*ts.relative_to_year);
    cond += std::string(" ") + core::op_symbol(ts.op) + " " + fmt(ts.threshold);
    char p[32], ci[48];
    std::snprintf(p, sizeof p, "%.3f", t.in_year.p);
    std::snprintf(ci, sizeof ci, "[%.3f, %.3f]", t.in_year.low, t.in_year.high);
    // A relative target is judged on a ratio of two years whose
    // distribution the summaries do not hold: a dash, explained below.
    std::string dist = ts.relative_to_year ? "—" : "";
    any_relative = any_relative || ts.relative_to_year.has_value();
    const auto ref = core::resolve_series(ts.indicator, series, ids, nullptr);
    const int y = ts.year - spec.base_year;
    if (ref && !ts.relative_to_year && y >= 0 &&
        static_cast<std::size_t>(ref->series) < result.summaries.size()) {
      const auto& sum = result.summaries[static_cast<std::size_t>(ref->series)];
      const std::size_t width = sum.info.by_sector ? ids.size() : 1;
      const std::size_t per_stat = result.years.size() * width;
      const std::size_t k =
          static_cast<std::size_t>(y) * width + static_cast<std::size_t>(std::max(ref->sector, 0));
      dist = fmt(sum.stats[5 * per_stat + k]) + " [" + fmt(sum.stats[3 * per_stat + k]) + ", " +
             fmt(sum.stats[7 * per_stat + k]) + "]";
    }
    os << pad(ts.id, 28) << pad(std::to_string(ts.year), 6) << pad(cond, 32) << pad(p, 8)
       << pad(ci, 18) << dist << "\n";
  }
  char p[32], ci[48];
  std::snprintf(p, sizeof p, "%.3f", result.all_targets.p);
  std::snprintf(ci, sizeof ci, "[%.3f, %.3f]", result.all_targets.low, result.all_targets.high);
  os << pad("all targets (joint)", 28) << pad("", 6) << pad("", 32) << pad(p, 8) << ci << "\n";
  if (any_relative) {
    os << "— a target relative to another year is judged on the ratio of the two years, draw by "
          "draw; the summaries hold each year's values, not the ratio's\n";
  }
  // Targets the plan cannot move, and why the joint probability is what it is.
  for (const auto& t : result.targets) {
    const std::string why = core::verdict_text(t, result.years);
    if (!why.empty()) os << "! " << t.spec.id << ": " << why << "\n";
  }
  if (const std::string joint = core::joint_text(result); !joint.empty())
    os << "! all targets: " << joint << "\n";
  if (result.replicates > 0 && !result.mean_std_error.empty()) {
    // Scrambled Sobol: the spread of the replicate means is the honest error
    // of a mean (the Wilson intervals above assume independent draws and are
    // conservative for quasi-random points).
    os << "\nsobol, " << result.replicates
       << " scrambled replicates: mean of each target's indicator +- standard error\n";
    for (const auto& t : result.targets) {
      const auto ref = core::resolve_series(t.spec.indicator, series, ids, nullptr);
      const int y = t.spec.year - spec.base_year;
      if (!ref || y < 0 || t.spec.relative_to_year) continue;
      const auto& se = result.mean_std_error[static_cast<std::size_t>(ref->series)];
      const auto& sum = result.summaries[static_cast<std::size_t>(ref->series)];
      const std::size_t width = sum.info.by_sector ? ids.size() : 1;
      const std::size_t k =
          static_cast<std::size_t>(y) * width + static_cast<std::size_t>(std::max(ref->sector, 0));
      os << pad(t.spec.id, 28) << pad(std::to_string(t.spec.year), 6) << fmt(sum.stats[k]) << " +- "
         << fmt(se.stats[k]) << "\n";
    }
  }
}

namespace {

std::string signed_fmt(double v) {
  return (v > 0 ? "+" : "") + fmt(v);
}

std::string interval(double lo, double hi) {
  char buf[64];
  // Bounds that round to zero print as +0.000, never -0.000.
  auto z = [](double v) { return std::fabs(v) < 5e-4 ? 0.0 : v; };
  std::snprintf(buf, sizeof buf, "[%+.3f, %+.3f]", z(lo), z(hi));
  return buf;
}

}  // namespace

void print_comparison_table(std::ostream& os, const core::ScenarioSpec& baseline,
                            const std::vector<core::Comparison>& comparisons) {
  if (comparisons.empty()) return;
  os << "Paired comparison with baseline '" << baseline.name << "' (" << comparisons[0].draws
     << " draws, common random numbers)\n";
  if (const auto& c = comparisons[0].conditioning) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "ex post: every scenario's draws weighted by the observed world's fit to its %zu "
                  "observations (effective sample size %.1f): the effect given what happened\n",
                  c->observations, c->ess);
    os << line;
  }
  os << "\n"
     << pad("scenario", 24) << pad("target", 28) << pad("P(met)", 8) << pad("baseline", 9)
     << pad("diff", 8) << pad("paired 95% CI", 20) << "unpaired 95% CI\n";
  char buf[32];
  for (const auto& c : comparisons) {
    for (const auto& t : c.targets) {
      os << pad(c.scenario, 24) << pad(t.id, 28);
      std::snprintf(buf, sizeof buf, "%.3f", t.scenario.p);
      os << pad(buf, 8);
      std::snprintf(buf, sizeof buf, "%.3f", t.baseline.p);
      os << pad(buf, 9);
      std::snprintf(buf, sizeof buf, "%+.3f", t.paired.diff);
      os << pad(buf, 8) << pad(interval(t.paired.low, t.paired.high), 20)
         << interval(t.unpaired.low, t.unpaired.high) << "\n";
    }
    std::snprintf(buf, sizeof buf, "%+.3f", c.all_targets_paired.diff);
    os << pad(c.scenario, 24) << pad("all targets (joint)", 28) << pad("", 17) << pad(buf, 8)
       << pad(interval(c.all_targets_paired.low, c.all_targets_paired.high), 20)
       << interval(c.all_targets_unpaired.low, c.all_targets_unpaired.high) << "\n";
  }
  const int last = baseline.end_year - baseline.base_year;
  // Two kinds of uncertainty, said apart: the mean's interval is Monte Carlo
  // error (it shrinks with more draws); the effect's 5-95% spread across
  // draws is what the priors leave unknown about it (it does not).
  os << "\nIndicators in " << baseline.end_year
     << ": mean difference [95% CI: Monte Carlo error of the mean], the effect across draws "
        "[5%, 95%]: model uncertainty, P(higher), P(lower)\n";
  for (const auto& c : comparisons) {
    for (const auto& d : c.diffs) {
      if (d.info.by_sector) continue;
      // The appraisal's present values have their own table below.
      if (c.appraisal &&
          (d.info.name == c.appraisal->series.cost || d.info.name == c.appraisal->series.revenue ||
           d.info.name == c.appraisal->series.value_added))
        continue;
      const std::size_t per_stat = d.stats.size() / core::N_DIFF_STATS;
      const std::size_t k = static_cast<std::size_t>(last);
      const auto stat = [&](int i) { return d.stats[static_cast<std::size_t>(i) * per_stat + k]; };
      std::snprintf(buf, sizeof buf, "%.3f", stat(6));
      std::string hi = buf;
      std::snprintf(buf, sizeof buf, "%.3f", stat(7));
      os << pad(c.scenario, 24) << pad(d.info.name, 24)
         << pad(signed_fmt(stat(0)) + " [" + signed_fmt(stat(1)) + ", " + signed_fmt(stat(2)) + "]",
                34)
         << pad("[" + signed_fmt(stat(4)) + ", " + signed_fmt(stat(5)) + "]", 26) << pad(hi, 8)
         << buf << "\n";
    }
  }
  print_appraisal(os, baseline, comparisons);
}

void print_appraisal(std::ostream& os, const core::ScenarioSpec& baseline,
                     const std::vector<core::Comparison>& comparisons) {
  const auto first =
      std::find_if(comparisons.begin(), comparisons.end(),
                   [](const core::Comparison& c) { return c.appraisal.has_value(); });
  if (first == comparisons.end()) return;
  // Every comparison shares the baseline's model and its discount rate.
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3g%%", 100 * first->appraisal->discount_rate);
  os << "\nCosts and fiscal return, " << baseline.base_year + 1 << "–" << baseline.end_year
     << " (extra over the baseline, 亿元 at " << baseline.base_year << " prices, discounted to "
     << baseline.base_year << " at " << rate
     << " a year): mean [95% CI: Monte Carlo error], [5%, 95%] across draws\n";
  const auto row = [&](const std::string& scenario, const char* what,
                       const core::AppraisalStat& q) {
    os << pad(scenario, 24) << pad(what, 24)
       << pad(signed_fmt(q.mean) + " [" + signed_fmt(q.ci_low) + ", " + signed_fmt(q.ci_high) + "]",
              34)
       << "[" << signed_fmt(q.p05) << ", " << signed_fmt(q.p95) << "]\n";
  };
  char buf[160];
  for (const auto& c : comparisons) {
    if (!c.appraisal) continue;
    const core::Appraisal& a = *c.appraisal;
    row(c.scenario, "public cost", a.cost);
    row(c.scenario, "district revenue", a.revenue);
    os << pad(c.scenario, 24) << pad("value added", 24) << pad(signed_fmt(a.value_added.mean), 34)
       << "(the yearly mean differences, discounted)\n";
    os << pad(c.scenario, 24) << pad("revenue - cost", 24) << signed_fmt(a.net) << "\n";
    if (std::isfinite(a.cost_per_value_added)) {
      std::snprintf(buf, sizeof buf, "%.3g", a.cost_per_value_added);
      os << pad(c.scenario, 24) << pad("cost / value added", 24) << pad(buf, 34)
         << "(mean extra cost per unit of mean extra value added)\n";
    }
    if (std::isfinite(a.bcr)) {
      std::snprintf(buf, sizeof buf, "%.3g", a.bcr);
      os << pad(c.scenario, 24) << pad("benefit-cost ratio", 24) << pad(buf, 34)
         << "(mean extra district revenue / mean extra public cost)\n";
    }
    std::snprintf(buf, sizeof buf, "%.3f [%.3f, %.3f]", a.revenue_exceeds_cost.p,
                  a.revenue_exceeds_cost.low, a.revenue_exceeds_cost.high);
    os << pad(c.scenario, 24) << pad("P(revenue > cost)", 24) << pad(buf, 34)
       << "(= P(BCR > 1) where the mix costs more)\n";
  }
  os << "Benefits are counted to " << baseline.end_year
     << " only: capital and space the mix adds keep paying after the horizon, and released "
        "space and land keep costing\n";
}

void print_backtest_table(std::ostream& os, const core::BacktestResult& b) {
  os << "\nBack-test: each published value against the forecast's draws\n"
     << pad("indicator", 24) << pad("year", 6) << pad("observed", 12) << pad("median", 12)
     << pad("90% band", 26) << pad("PIT", 7) << pad("in 50%", 8) << pad("in 90%", 8) << "CRPS\n";
  char buf[64];
  for (std::size_t i = 0; i < b.observations.size(); ++i) {
    const core::ForecastScore& s = b.scores[i];
    std::snprintf(buf, sizeof buf, "%.3f", s.pit);
    os << pad(b.observations[i].indicator, 24) << pad(std::to_string(b.observations[i].year), 6)
       << pad(fmt(s.observed), 12) << pad(fmt(s.p50), 12)
       << pad("[" + fmt(s.p05) + ", " + fmt(s.p95) + "]", 26) << pad(buf, 7)
       << pad(s.in50 ? "yes" : "no", 8) << pad(s.in90 ? "yes" : "no", 8) << fmt(s.crps) << "\n";
  }
  const core::ForecastSummary& m = b.summary;
  auto share = [&](const core::Proportion& p, const char* claim) {
    std::snprintf(buf, sizeof buf, "%.2f [%.2f, %.2f]", p.p, p.low, p.high);
    return std::string(buf) + " (claims " + claim + ")";
  };
  os << "coverage of the 50% bands " << share(m.in50, "0.50") << ", of the 90% bands "
     << share(m.in90, "0.90") << ", over " << m.n << " observations; mean CRPS " << fmt(m.mean_crps)
     << "\n";
  if (m.n > 0 && m.in90.high < 0.90) {
    os << "! the 90% bands cover fewer outcomes than they claim, beyond sampling error: the "
          "forecast is overconfident\n";
  }
}

std::string target_count(const core::ScenarioSpec& spec) {
  const std::size_t n = spec.targets.size();
  std::string out = std::to_string(n) + (n == 1 ? " target" : " targets");
  if (spec.files.empty() || spec.target_files.size() != n) return out;
  const std::string& own = spec.files.front().path;
  std::vector<std::pair<std::string, std::size_t>> inherited;  // by file, in order
  std::size_t added = 0;
  for (const auto& f : spec.target_files) {
    if (f == own) {
      ++added;
      continue;
    }
    const auto it = std::find_if(inherited.begin(), inherited.end(),
                                 [&](const auto& e) { return e.first == f; });
    if (it == inherited.end()) {
      inherited.emplace_back(f, 1);
    } else {
      ++it->second;
    }
  }
  if (inherited.empty()) return out;
  out += ":";
  for (std::size_t i = 0; i < inherited.size(); ++i) {
    out += (i ? ", " : " ") + std::to_string(inherited[i].second) + " inherited from " +
           std::filesystem::path(inherited[i].first).filename().string();
  }
  out += ", " + std::to_string(added) + " added";
  return out;
}

void print_compare_notes(std::ostream& os, const std::vector<core::ScenarioSpec>& specs,
                         std::size_t baseline) {
  const core::ScenarioSpec& base = specs[baseline];
  const auto source = [](const core::ScenarioSpec& s) {
    return s.files.empty() ? s.name : s.files.front().path;
  };
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (k == baseline) continue;
    for (const auto& t : specs[k].targets) {
      const bool shared = std::any_of(base.targets.begin(), base.targets.end(),
                                      [&](const core::TargetSpec& b) { return b.id == t.id; });
      if (shared) continue;
      os << "note: target '" << t.id << "' of scenario '" << specs[k].name << "' ("
         << source(specs[k]) << ") is not in the baseline '" << base.name << "' (" << source(base)
         << "): the comparison judges the baseline's targets only\n";
    }
  }
}

void print_nonfinite_warning(std::ostream& os, const core::ScenarioResult& result) {
  if (result.nonfinite_cells() == 0 && result.undefined_targets() == 0) return;
  os << "sectorsim: warning: scenario '" << result.name << "': " << core::nonfinite_headline(result)
     << " (those cells' statistics are NaN; counts in nonfinite/):\n";
  for (const std::string& line : core::describe_nonfinite(result))
    os << "sectorsim:   " << line << "\n";
}

void print_stale_warnings(std::ostream& os, const std::string& target) {
  for (const io::StaleTemporary& s : io::find_stale_temporaries(target))
    os << "sectorsim: warning: " << io::describe_stale(s) << "\n";
}

}  // namespace sectorsim::cli
