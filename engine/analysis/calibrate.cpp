#include "engine/analysis/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>

#include "engine/analysis/calibration.hpp"

namespace sectorsim::analysis {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

std::string pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", 100 * x);
  return buf;
}
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A series over the recipe's window: one value a year (NaN where missing or
// excluded), and the rows used.
struct Series {
  std::vector<double> values;  // index year - first
  std::vector<const core::DataRow*> used;
};

class Calibrator {
 public:
  Calibrator(const core::CalibrationRecipe& recipe, const std::vector<core::DataRow>& rows)
      : recipe_(recipe), rows_(rows) {}

  // `lead` years before the window are read too (a level's previous year).
  // Excluded years are left out of rates; a level of an excluded year is
  // kept, since next year's rate needs it.
  Series series(const core::DataSeriesRef& ref, bool rate, int lead = 0) const {
    const int first = recipe_.first_year - lead, last = recipe_.last_year;
    Series s;
    s.values.assign(static_cast<std::size_t>(last - first + 1), NaN);
    std::map<int, std::vector<const core::DataRow*>> by_year;
    for (const core::DataRow& r : rows_) {
      if (r.region != ref.region || r.indicator != ref.indicator) continue;
      if (r.year < first || r.year > last) continue;
      by_year[r.year].push_back(&r);
    }
    if (by_year.empty()) {
      throw CalibrationError(ref.where + ": no rows of " + ref.region + " '" + ref.indicator +
                             "' in " + std::to_string(first) + "–" + std::to_string(last) +
                             " in the data tables");
    }
    for (const auto& [year, found] : by_year) {
      if (rate && excluded(year)) continue;
      const core::DataRow* row = found.front();
      if (found.size() > 1) {
        if (ref.revisions.empty()) {
          std::string lines;
          for (const core::DataRow* r : found)
            lines +=
                (lines.empty() ? "" : ", ") + file_name(r->file) + ":" + std::to_string(r->line);
          throw CalibrationError(ref.where + ": " + ref.region + " '" + ref.indicator + "' has " +
                                 std::to_string(found.size()) + " rows for " +
                                 std::to_string(year) + " (" + lines +
                                 "): a first release and a revision? say which with "
                                 "revisions: first or revisions: last");
        }
        row = ref.revisions == "first" ? found.front() : found.back();
      }
      const double scale = rate && row->unit == "%" ? 0.01 : 1.0;
      s.values[static_cast<std::size_t>(year - first)] = row->value * scale;
      s.used.push_back(row);
    }
    return s;
  }

  bool excluded(int year) const {
    return std::find(recipe_.exclude_years.begin(), recipe_.exclude_years.end(), year) !=
           recipe_.exclude_years.end();
  }

  // "luohu_shenzhen_stats.csv:12, 15, 19 (2013–2022 except 2020)"
  std::string rows_text(const std::vector<const core::DataRow*>& used) const {
    std::map<std::string, std::vector<int>> by_file;
    for (const core::DataRow* r : used)
      by_file[file_name(r->file)].push_back(r->line);
    std::string out;
    for (auto& [file, lines] : by_file) {
      std::sort(lines.begin(), lines.end());
      out += (out.empty() ? "" : "; ") + file + ":";
      for (std::size_t i = 0; i < lines.size(); ++i)
        out += (i ? "," : "") + std::to_string(lines[i]);
    }
    return out;
  }

  // "1.22 x " with its reason: the Student t widening of a prior sd.
  static std::string widened(double k, std::size_t dof) {
    return num(k) + " x (Student t, " + std::to_string(dof) + " dof, at 5% and 95%) x ";
  }

  std::string window_text() const {
    std::string w = std::to_string(recipe_.first_year) + "–" + std::to_string(recipe_.last_year);
    if (!recipe_.exclude_years.empty()) {
      w += " except";
      for (int y : recipe_.exclude_years)
        w += " " + std::to_string(y);
      w += " (breaks)";
    }
    return w;
  }

  static std::size_t finite(const std::vector<double>& x) {
    return static_cast<std::size_t>(
        std::count_if(x.begin(), x.end(), [](double v) { return std::isfinite(v); }));
  }

  void need(const std::vector<double>& x, std::size_t n, const core::CalibrationItem& item,
            const std::string& what) const {
    if (finite(x) < n) {
      throw CalibrationError(item.where + ": " + item.parameter + ": " + std::to_string(finite(x)) +
                             " " + what + " in " + window_text() + ", at least " +
                             std::to_string(n) + " needed");
    }
  }

  // The item's growth rate over the window, with at least `n` years.
  Series rates(const core::CalibrationItem& item, std::size_t n) const {
    Series x = series(item.growth, true);
    need(x.values, n, item, "years of " + item.growth.region + " '" + item.growth.indicator + "'");
    return x;
  }

  // The growth of the item's nominal levels over the window (the year
  // before the window read for the first rate), excluded years left out.
  Series nominal_rates(const core::CalibrationItem& item, std::size_t n) const {
    Series levels = series(*item.levels, false, 1);
    std::vector<double> g = growth_from_levels(levels.values);
    g.erase(g.begin());  // the lead year
    for (int y = recipe_.first_year; y <= recipe_.last_year; ++y)
      if (excluded(y)) g[static_cast<std::size_t>(y - recipe_.first_year)] = NaN;
    need(g, n, item,
         "years with a level of " + item.levels->region + " '" + item.levels->indicator +
             "' and the year before's");
    levels.values = std::move(g);
    return levels;
  }

  core::CalibratedPrior prior(const core::CalibrationItem& item) const {
    core::CalibratedPrior p;
    p.parameter = item.parameter;
    p.low = item.low;
    p.high = item.high;
    const std::string source =
        "calibrated by sectorsim calibrate (" + file_name(recipe_.file) + "): ";
    const std::string g = item.growth.region + " '" + item.growth.indicator + "'";
    const double h = recipe_.horizon;
    switch (item.method) {
      case core::CalibrationMethod::Deflator: {
        const Series levels = series(*item.levels, false, 1);
        const Series real = series(item.growth, true, 1);
        std::vector<double> d = implied_deflator(levels.values, real.values);
        d.erase(d.begin());  // the lead year
        need(d, 2, item, "years with both a level, the year before's and real growth");
        const Estimate m = mean_rate(d), s = sample_sd(d);
        const double k = student_t_widening(m.n - 1);
        p.mean = m.value;
        p.sd = k * std::sqrt(m.std_error * m.std_error + s.value * s.value / h);
        std::vector<const core::DataRow*> used = levels.used;
        used.insert(used.end(), real.used.begin(), real.used.end());
        p.note = source + "the deflator implied by " + item.levels->region + " '" +
                 item.levels->indicator + "' (nominal levels) and " + g +
                 " (real growth), (L[t] / L[t-1]) / (1 + g[t]) - 1, " + window_text() +
                 ", n = " + std::to_string(m.n) + " years: mean " + pct(m.value) + " (se " +
                 pct(m.std_error) + "), sd of a year " + pct(s.value) + "; prior sd " +
                 widened(k, m.n - 1) + "sqrt(se^2 + sd^2 / " + std::to_string(recipe_.horizon) +
                 ") for the mean over " + std::to_string(recipe_.horizon) + " years. Rows " +
                 rows_text(used);
        break;
      }
      case core::CalibrationMethod::MeanGrowth: {
        const std::string years = std::to_string(recipe_.horizon);
        if (item.linear_drift) {
          const Series x = rates(item, 4);
          const DriftForecast f = drift_forecast(x.values, recipe_.horizon);
          const double k = student_t_widening(f.n - 2);
          p.mean = f.value - item.less;
          p.sd = k * std::sqrt(f.line_se * f.line_se + f.residual_sd * f.residual_sd / h);
          p.note = source + "linear drift of " + g + ", " + window_text() +
                   ", n = " + std::to_string(f.n) + ": slope " + pct(f.slope) + " a year (se " +
                   pct(f.slope_se) + "), the line at the middle of the " + years + " years after " +
                   std::to_string(recipe_.last_year) + " " + pct(f.value) + " (se " +
                   pct(f.line_se) + "), sd of a year about the line " + pct(f.residual_sd) +
                   "; prior sd " + widened(k, f.n - 2) + "sqrt(se^2 + sd^2 / " + years +
                   ") for the mean over " + years + " years";
          if (item.less != 0) {
            p.note +=
                "; less " + pct(item.less) + " (" + item.less_reason + "), mean " + pct(p.mean);
          }
          p.note += ". Rows " + rows_text(x.used);
          break;
        }
        const Series x = rates(item, 2);
        const Estimate m = mean_rate(x.values), s = sample_sd(x.values);
        const double k = student_t_widening(m.n - 1);
        p.mean = m.value - item.less;
        p.sd = k * std::sqrt(m.std_error * m.std_error + s.value * s.value / h);
        p.note = source + "mean of " + g + ", " + window_text() + ", n = " + std::to_string(m.n) +
                 ": " + pct(m.value) + " (se " + pct(m.std_error) + "), sd of a year " +
                 pct(s.value) + "; prior sd " + widened(k, m.n - 1) + "sqrt(se^2 + sd^2 / " +
                 years + ") for the mean over " + years + " years";
        if (item.less != 0) {
          p.note += "; less " + pct(item.less) + " (" + item.less_reason + "), mean " + pct(p.mean);
        }
        p.note += ". Rows " + rows_text(x.used);
        break;
      }
      case core::CalibrationMethod::Volatility: {
        const Series x = item.levels ? nominal_rates(item, 3) : rates(item, 3);
        const Estimate s = sample_sd(x.values);
        p.mean = s.value;
        p.sd = s.std_error;
        const std::string what = item.levels ? "the growth of " + item.levels->region + " '" +
                                                   item.levels->indicator +
                                                   "' (nominal levels: prices included)"
                                             : g;
        p.note = source + "sd of " + what + " about its mean, " + window_text() +
                 ", n = " + std::to_string(s.n) + ": " + pct(s.value) + " (se " + pct(s.std_error) +
                 ", normal theory). Rows " + rows_text(x.used);
        break;
      }
      case core::CalibrationMethod::Persistence: {
        const Series x = rates(item, 4);
        const Estimate r = ar1(x.values);
        p.mean = r.value;
        p.sd = r.std_error;
        p.note = source + "AR(1) coefficient of " + g + " about its mean (least squares), " +
                 window_text() + ", " + std::to_string(r.n) +
                 " consecutive pairs: " + num(r.value) + " (se " + num(r.std_error) + "). Rows " +
                 rows_text(x.used);
        break;
      }
    }
    if (!std::isfinite(p.mean) || !std::isfinite(p.sd) || p.sd <= 0) {
      throw CalibrationError(item.where + ": " + item.parameter +
                             ": the data give no usable estimate (mean " + num(p.mean) + ", sd " +
                             num(p.sd) + ")");
    }
    if (p.mean < p.low || p.mean > p.high) {
      throw CalibrationError(item.where + ": " + item.parameter + ": the estimate " + num(p.mean) +
                             " is outside the bounds [" + num(p.low) + ", " + num(p.high) +
                             "] the recipe gives");
    }
    return p;
  }

  std::vector<core::CalibratedValue> correlation(const core::CorrelationItem& c) const {
    std::vector<Series> all;
    for (const core::DataSeriesRef& s : c.sectors)
      all.push_back(series(s, true));
    all.push_back(series(c.city, true));
    const std::size_t n = all.size(), years = all[0].values.size();
    std::vector<double> panel(years * n);
    for (std::size_t t = 0; t < years; ++t)
      for (std::size_t i = 0; i < n; ++i)
        panel[t * n + i] = all[i].values[t];
    ShrunkCovariance s;
    try {
      s = shrink_to_constant_correlation(panel, n);
    } catch (const std::invalid_argument& e) {
      throw CalibrationError(c.where + ": correlation: " + e.what() + " (complete years in " +
                             window_text() + ")");
    }
    const std::size_t k = n - 1;  // sectors
    double between = 0, with_city = 0;
    for (std::size_t i = 0; i < k; ++i) {
      with_city += s.correlation[i * n + k];
      for (std::size_t j = i + 1; j < k; ++j)
        between += s.correlation[i * n + j];
    }
    between /= static_cast<double>(k * (k - 1) / 2);
    with_city /= static_cast<double>(k);
    std::vector<const core::DataRow*> used;
    std::string names;
    for (std::size_t i = 0; i < n; ++i) {
      used.insert(used.end(), all[i].used.begin(), all[i].used.end());
      const core::DataSeriesRef& ref = i < k ? c.sectors[i] : c.city;
      names += (i ? ", " : "") + ref.region + " '" + ref.indicator + "'";
    }
    const std::string fit =
        "calibrated by sectorsim calibrate (" + file_name(recipe_.file) +
        "): correlations of the growth of " + names + " (the last is the city), " + window_text() +
        ", " + std::to_string(s.rows) + " complete years, shrunk towards their mean correlation " +
        num(s.mean_correlation) + " with Ledoit-Wolf intensity " + num(s.intensity) +
        " (Ledoit and Wolf 2004). Rows " + rows_text(used);
    return {
        {"between_sectors", between,
         "mean correlation of the sector proxies' pairs, " + num(between) + "; " + fit},
        {"with_city", with_city,
         "mean correlation of each sector proxy with the city, " + num(with_city) + "; " + fit}};
  }

 private:
  const core::CalibrationRecipe& recipe_;
  const std::vector<core::DataRow>& rows_;
};

}  // namespace

core::CalibrationResult calibrate(const core::CalibrationRecipe& recipe,
                                  const std::vector<core::DataRow>& rows) {
  const Calibrator c(recipe, rows);
  core::CalibrationResult out;
  for (const core::CalibrationItem& item : recipe.priors)
    out.priors.push_back(c.prior(item));
  if (recipe.correlation) out.correlation = c.correlation(*recipe.correlation);
  return out;
}

}  // namespace sectorsim::analysis
