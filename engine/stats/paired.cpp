#include "engine/stats/paired.hpp"

#include "engine/stats/appraisal.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace sectorsim::core {

namespace {

// Each series' difference statistics (DIFF_STAT_NAMES) from the summary of
// the per-draw differences: the mean's 95% interval of Monte Carlo error at
// sample size n, and shares(cell) = (P(higher), P(lower)).
template <class Shares>
std::vector<SeriesSummary> diff_series(const CellLayout& layout, const ScenarioResult& diff,
                                       double n, Shares shares) {
  std::vector<SeriesSummary> out_all;
  const double z = Z95;
  const std::size_t ny = static_cast<std::size_t>(layout.n_years());
  for (std::size_t s = 0; s < diff.summaries.size(); ++s) {
    const SeriesSummary& src = diff.summaries[s];
    SeriesSummary out;
    out.info = src.info;
    const std::size_t per_stat = ny * static_cast<std::size_t>(layout.width(static_cast<int>(s)));
    out.stats.assign(N_DIFF_STATS * per_stat, 0.0);
    const std::size_t offset = static_cast<std::size_t>(layout.offset(static_cast<int>(s)));
    for (std::size_t k = 0; k < per_stat; ++k) {
      const double mean = src.stats[0 * per_stat + k];
      const double sd = src.stats[1 * per_stat + k];
      const double half = n > 1 ? z * sd / std::sqrt(n) : std::numeric_limits<double>::quiet_NaN();
      const auto [higher, lower] = shares(offset + k);
      const double v[N_DIFF_STATS] = {mean,
                                      mean - half,
                                      mean + half,
                                      sd,
                                      src.stats[3 * per_stat + k],
                                      src.stats[7 * per_stat + k],
                                      higher,
                                      lower};
      for (int i = 0; i < N_DIFF_STATS; ++i)
        out.stats[static_cast<std::size_t>(i) * per_stat + k] = v[i];
    }
    out_all.push_back(std::move(out));
  }
  return out_all;
}

}  // namespace

PairedAccumulator::PairedAccumulator(const CellLayout& layout, int scenario_offset,
                                     int baseline_offset, std::vector<ResolvedTarget> targets,
                                     std::uint64_t max_draws, std::size_t sketch_k, int threads,
                                     std::uint64_t chunk_draws)
    : scenario_offset_(scenario_offset),
      baseline_offset_(baseline_offset),
      targets_(std::move(targets)),
      member_layout_(layout),
      chunk_draws_(chunk_draws),
      max_draws_(max_draws) {
  diff_summary_ = std::make_unique<SummaryAccumulator>(
      member_layout_, std::vector<ResolvedTarget>{}, max_draws, chunk_draws_, sketch_k, threads);
  const std::size_t cells = static_cast<std::size_t>(member_layout_.n_cells());
  count_width_ = 2 * cells + 4 * (targets_.size() + 1);
  chunk_counts_.assign(((max_draws + chunk_draws_ - 1) / chunk_draws_) * count_width_, 0);
}

void PairedAccumulator::set_appraisal(const AppraisalDecl& decl, double discount_rate) {
  discount_rate_ = discount_rate;
  const auto& series = member_layout_.series();
  auto end_cell = [&](const std::string& name) {
    for (std::size_t s = 0; s < series.size(); ++s) {
      if (series[s].name == name && !series[s].by_sector)
        return member_layout_.cell(static_cast<int>(s), member_layout_.n_years() - 1, 0);
    }
    return -1;
  };
  revenue_cell_ = end_cell(decl.revenue);
  cost_cell_ = end_cell(decl.cost);
  if (revenue_cell_ < 0 || cost_cell_ < 0) return;
  appraisal_ = decl;
  // One more count per chunk: draws whose extra revenue exceeds their extra cost.
  count_width_ += 1;
  chunk_counts_.assign(chunk_counts_.size() / (count_width_ - 1) * count_width_, 0);
}

void PairedAccumulator::weighted_by(const SummaryAccumulator& source) {
  weights_from_ = &source;
  diff_summary_->weighted_by(source);
  codes_.assign((targets_.size() + 1) * max_draws_, 3);
  if (appraisal_) exceeds_.assign(max_draws_, 0);
}

void PairedAccumulator::consume_unordered(const ChunkView& chunk) {
  const ChunkView s = slice_view(chunk, scenario_offset_, member_layout_);
  const ChunkView b = slice_view(chunk, baseline_offset_, member_layout_);
  const std::size_t cells = static_cast<std::size_t>(member_layout_.n_cells());
  // With sketches the differences go to their summary, which sorts them in
  // place and keeps them until their turn; else one buffer per worker
  // thread, reused across chunks.
  const bool keep = diff_summary_->uses_sketch();
  thread_local std::vector<double> scratch;
  std::vector<double> owned;
  if (keep) owned = diff_summary_->spare_buffer();
  std::vector<double>& diff = keep ? owned : scratch;
  diff.resize(cells * chunk.n);
  std::uint64_t* counts = chunk_counts_.data() + (chunk.first_draw / chunk_draws_) * count_width_;
  for (std::size_t c = 0; c < cells; ++c) {
    const double* xs = s.cell(static_cast<int>(c));
    const double* xb = b.cell(static_cast<int>(c));
    double* d = diff.data() + c * chunk.n;
    std::uint64_t higher = 0, lower = 0;
    for (std::size_t i = 0; i < chunk.n; ++i) {
      d[i] = xs[i] - xb[i];
      higher += xs[i] > xb[i] ? 1 : 0;
      lower += xs[i] < xb[i] ? 1 : 0;
    }
    counts[2 * c] = higher;
    counts[2 * c + 1] = lower;
  }
  ChunkView dv = chunk;
  dv.values = diff.data();
  dv.stride = chunk.n;
  dv.layout = &member_layout_;
  dv.writable = nullptr;
  if (keep) {
    diff_summary_->consume_unordered_owned(dv, std::move(owned));
  } else {
    diff_summary_->consume_unordered(dv);
  }
  // Targets: a = both met, b = only the scenario, c = only the baseline, d = neither.
  std::uint64_t* tc = counts + 2 * cells;
  const std::size_t nt = targets_.size();
  for (std::size_t i = 0; i < chunk.n; ++i) {
    bool all_s = true, all_b = true;
    for (std::size_t t = 0; t <= nt; ++t) {
      bool ms, mb;
      if (t < nt) {
        const auto& rt = targets_[t];
        const int cell = rt.cells[static_cast<std::size_t>(rt.year_index)];
        const double ds = rt.relative_cell >= 0 ? s.cell(rt.relative_cell)[i] : 1.0;
        const double db = rt.relative_cell >= 0 ? b.cell(rt.relative_cell)[i] : 1.0;
        ms = meets(rt.spec.op, s.cell(cell)[i] / ds, rt.spec.threshold);
        mb = meets(rt.spec.op, b.cell(cell)[i] / db, rt.spec.threshold);
        all_s = all_s && ms;
        all_b = all_b && mb;
      } else {
        ms = all_s;
        mb = all_b;
      }
      const int code = ms ? (mb ? 0 : 1) : (mb ? 2 : 3);
      tc[4 * t + static_cast<std::size_t>(code)] += 1;
      if (weights_from_)
        codes_[t * max_draws_ + chunk.first_draw + i] = static_cast<std::uint8_t>(code);
    }
  }
  if (appraisal_) {
    const double *rs = s.cell(revenue_cell_), *rb = b.cell(revenue_cell_);
    const double *cs = s.cell(cost_cell_), *cb = b.cell(cost_cell_);
    std::uint64_t exceeds = 0;
    for (std::size_t i = 0; i < chunk.n; ++i) {
      const bool e = rs[i] - rb[i] > cs[i] - cb[i];
      exceeds += e ? 1 : 0;
      if (!exceeds_.empty()) exceeds_[chunk.first_draw + i] = e ? 1 : 0;
    }
    counts[count_width_ - 1] = exceeds;
  }
}

void PairedAccumulator::consume(const ChunkView& chunk) {
  // The sketches take the sorted differences consume_unordered left for this
  // chunk; they need its first draw and size only.
  diff_summary_->consume(chunk);
}

Comparison PairedAccumulator::finish(std::uint64_t draws, const std::string& scenario_name,
                                     const std::string& baseline_name) const {
  Comparison cmp;
  cmp.scenario = scenario_name;
  cmp.baseline = baseline_name;
  cmp.draws = draws;
  ScenarioResult diff;
  diff_summary_->finish(draws, diff);
  cmp.quantile_method = diff.quantile_method;
  if (weights_from_) return finish_weighted(draws, std::move(cmp), diff);
  const std::size_t n_chunks = (draws + chunk_draws_ - 1) / chunk_draws_;
  std::vector<std::uint64_t> counts(count_width_, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t i = 0; i < count_width_; ++i)
      counts[i] += chunk_counts_[c * count_width_ + i];
  }
  const double nn = static_cast<double>(draws);
  cmp.diffs = diff_series(member_layout_, diff, nn, [&](std::size_t cell) {
    return std::pair{static_cast<double>(counts[2 * cell]) / nn,
                     static_cast<double>(counts[2 * cell + 1]) / nn};
  });
  const std::size_t cells = static_cast<std::size_t>(member_layout_.n_cells());
  const std::uint64_t* tc = counts.data() + 2 * cells;
  for (std::size_t t = 0; t <= targets_.size(); ++t) {
    const std::uint64_t a = tc[4 * t], b = tc[4 * t + 1], c = tc[4 * t + 2], d = tc[4 * t + 3];
    const ProportionDiff paired = newcombe_paired(a, b, c, d);
    const ProportionDiff unpaired = newcombe_unpaired(a + b, draws, a + c, draws);
    if (t == targets_.size()) {
      cmp.all_targets_paired = paired;
      cmp.all_targets_unpaired = unpaired;
      break;
    }
    TargetDiff td;
    td.id = targets_[t].spec.id;
    td.scenario = wilson(a + b, draws);
    td.baseline = wilson(a + c, draws);
    td.both = a;
    td.only_scenario = b;
    td.only_baseline = c;
    td.neither = d;
    td.paired = paired;
    td.unpaired = unpaired;
    cmp.targets.push_back(td);
  }
  if (appraisal_)
    cmp.appraisal = appraise(cmp, *appraisal_, discount_rate_, counts[count_width_ - 1]);
  return cmp;
}

Comparison PairedAccumulator::finish_weighted(std::uint64_t draws, Comparison cmp,
                                              const ScenarioResult& diff) const {
  const std::vector<double> w = diff_summary_->kept_weights(draws);
  const std::vector<std::uint64_t> kept = diff_summary_->kept_draw_indices(draws);
  double total = 0;
  for (const double x : w)
    total += x;
  const double ess = diff.conditioning ? diff.conditioning->ess : 0.0;
  cmp.conditioning = diff.conditioning;
  // Monte Carlo error of a weighted mean: sd / sqrt(ESS).
  cmp.diffs = diff_series(member_layout_, diff, ess, [&](std::size_t cell) {
    const auto [above, below] = diff_summary_->weighted_signs(cell, draws, w);
    return std::pair{total > 0 ? above / total : 0.0, total > 0 ? below / total : 0.0};
  });
  const auto scaled = [&](double weight) {
    return static_cast<std::uint64_t>(std::llround(total > 0 ? ess * weight / total : 0.0));
  };
  for (std::size_t t = 0; t <= targets_.size(); ++t) {
    double wt[4] = {0, 0, 0, 0};
    const std::uint8_t* code = codes_.data() + t * max_draws_;
    for (std::size_t j = 0; j < kept.size(); ++j)
      wt[code[kept[j]]] += w[j];
    const ProportionDiff paired = newcombe_paired_weighted(wt[0], wt[1], wt[2], wt[3], ess);
    const Proportion ps = weighted_proportion(wt[0] + wt[1], total, ess);
    const Proportion pb = weighted_proportion(wt[0] + wt[2], total, ess);
    const std::uint64_t n = static_cast<std::uint64_t>(std::llround(ess));
    const ProportionDiff unpaired = newcombe_unpaired(ps.met, n, pb.met, n);
    if (t == targets_.size()) {
      cmp.all_targets_paired = paired;
      cmp.all_targets_unpaired = unpaired;
      break;
    }
    TargetDiff td;
    td.id = targets_[t].spec.id;
    td.scenario = ps;
    td.baseline = pb;
    // The four weights as counts at the effective sample size, rounded by
    // largest remainder so that they add up to it and to the margins.
    std::uint64_t k[4];
    double rest[4];
    std::uint64_t given = 0;
    for (int j = 0; j < 4; ++j) {
      const double exact = total > 0 ? static_cast<double>(n) * wt[j] / total : 0.0;
      k[j] = static_cast<std::uint64_t>(std::floor(exact));
      rest[j] = exact - std::floor(exact);
      given += k[j];
    }
    while (given < n) {
      const int j = static_cast<int>(std::max_element(rest, rest + 4) - rest);
      ++k[j];
      rest[j] = -1;
      ++given;
    }
    td.both = k[0];
    td.only_scenario = k[1];
    td.only_baseline = k[2];
    td.neither = k[3];
    td.scenario.met = k[0] + k[1];
    td.baseline.met = k[0] + k[2];
    td.scenario.n = td.baseline.n = n;
    td.paired = paired;
    td.unpaired = unpaired;
    cmp.targets.push_back(td);
  }
  if (appraisal_) {
    double we = 0;
    for (std::size_t j = 0; j < kept.size(); ++j)
      if (exceeds_[kept[j]]) we += w[j];
    cmp.appraisal = appraise(cmp, *appraisal_, discount_rate_, scaled(we));
    cmp.appraisal->revenue_exceeds_cost = weighted_proportion(we, total, ess);
  }
  return cmp;
}

}  // namespace sectorsim::core
