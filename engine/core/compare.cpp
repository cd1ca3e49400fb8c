#include "engine/core/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace sectorsim::core {

StackedModel::StackedModel(std::vector<const Model*> members) : members_(std::move(members)) {
  if (members_.empty()) throw std::invalid_argument("no scenarios to stack");
  const Model& first = *members_.front();
  std::vector<SeriesInfo> series;
  int cells = 0;
  for (const Model* m : members_) {
    if (m->parameters().size() != first.parameters().size() || m->n_shocks() != first.n_shocks() ||
        m->layout().n_cells() != first.layout().n_cells()) {
      throw std::invalid_argument(
          "scenarios compared under common random numbers need the same sectors and horizon");
    }
    offsets_.push_back(cells);
    cells += m->layout().n_cells();
  }
  for (const auto& p : first.parameters())
    uniforms_.push_back({p.name, Prior::uniform(0, 1)});
  // The stacked layout repeats the members' series; only n_cells and the
  // member views are used.
  for (std::size_t k = 0; k < members_.size(); ++k) {
    for (const auto& s : first.layout().series())
      series.push_back(s);
  }
  layout_ = CellLayout(series, first.layout().n_years(), first.layout().n_sectors());
}

std::size_t StackedModel::workspace_size(std::size_t n) const {
  std::size_t w = 0;
  for (const Model* m : members_)
    w = std::max(w, m->workspace_size(n));
  // Member parameters and a copy of the shocks, both with stride n.
  return w + (uniforms_.size() + static_cast<std::size_t>(n_shocks())) * n;
}

void StackedModel::simulate(const BatchIn& in, const BatchOut& out, double* workspace) const {
  // Each member maps the common uniforms through its own priors.
  double* params = workspace;
  double* rest = workspace + uniforms_.size() * in.n;
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const auto& priors = members_[k]->parameters();
    for (std::size_t j = 0; j < priors.size(); ++j) {
      const double* u = in.params + j * in.stride;
      double* p = params + j * in.n;
      for (std::size_t i = 0; i < in.n; ++i)
        p[i] = priors[j].prior.quantile(u[i]);
    }
    BatchIn mine = in;
    mine.stride = in.n;
    mine.params = params;
    // Shocks keep the caller's stride; give the member a copy with stride n.
    double* z = rest;
    const std::size_t nz = static_cast<std::size_t>(n_shocks());
    for (std::size_t j = 0; j < nz; ++j) {
      std::copy(in.shocks + j * in.stride, in.shocks + j * in.stride + in.n, z + j * in.n);
    }
    mine.shocks = z;
    BatchOut o = out;
    o.values = out.values + static_cast<std::size_t>(offsets_[k]) * out.stride;
    members_[k]->simulate(mine, o, z + nz * in.n);
  }
}

ChunkView StackedModel::member_view(const ChunkView& stacked, std::size_t k) const {
  ChunkView v = stacked;
  // A chunk delivered without values (ChunkSink::reads_values_in_order) has
  // none, and only the rearranging sink's view is writable.
  const std::size_t first = static_cast<std::size_t>(offsets_[k]) * stacked.stride;
  v.values = stacked.values ? stacked.values + first : nullptr;
  v.writable = stacked.writable ? stacked.writable + first : nullptr;
  v.layout = &members_[k]->layout();
  return v;
}

namespace {

struct Wilson {
  double l, u;
};

Wilson wilson_bounds(std::uint64_t m, std::uint64_t n, double z) {
  const Proportion p = wilson(m, n, z);
  return {p.low, p.high};
}

}  // namespace

ProportionDiff newcombe_paired(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d,
                               double z) {
  const std::uint64_t n = a + b + c + d;
  ProportionDiff r;
  if (n == 0) {
    r.diff = std::numeric_limits<double>::quiet_NaN();
    r.low = -1;
    r.high = 1;
    return r;
  }
  const double nn = static_cast<double>(n);
  const double p1 = static_cast<double>(a + b) / nn, p2 = static_cast<double>(a + c) / nn;
  const Wilson w1 = wilson_bounds(a + b, n, z), w2 = wilson_bounds(a + c, n, z);
  // Correlation of the paired outcomes (phi); 0 when a margin is empty.
  const double da = static_cast<double>(a), db = static_cast<double>(b),
               dc = static_cast<double>(c), dd = static_cast<double>(d);
  const double denom = (da + db) * (dc + dd) * (da + dc) * (db + dd);
  const double phi = denom > 0 ? (da * dd - db * dc) / std::sqrt(denom) : 0.0;
  const double l1 = p1 - w1.l, u1 = w1.u - p1, l2 = p2 - w2.l, u2 = w2.u - p2;
  const double dl = std::sqrt(std::max(0.0, l1 * l1 - 2 * phi * l1 * u2 + u2 * u2));
  const double du = std::sqrt(std::max(0.0, u1 * u1 - 2 * phi * u1 * l2 + l2 * l2));
  r.diff = p1 - p2;
  r.low = std::max(-1.0, r.diff - dl);
  r.high = std::min(1.0, r.diff + du);
  return r;
}

ProportionDiff newcombe_unpaired(std::uint64_t m1, std::uint64_t n1, std::uint64_t m2,
                                 std::uint64_t n2, double z) {
  ProportionDiff r;
  if (n1 == 0 || n2 == 0) {
    r.diff = std::numeric_limits<double>::quiet_NaN();
    r.low = -1;
    r.high = 1;
    return r;
  }
  const double p1 = static_cast<double>(m1) / static_cast<double>(n1);
  const double p2 = static_cast<double>(m2) / static_cast<double>(n2);
  const Wilson w1 = wilson_bounds(m1, n1, z), w2 = wilson_bounds(m2, n2, z);
  r.diff = p1 - p2;
  r.low = r.diff - std::sqrt((p1 - w1.l) * (p1 - w1.l) + (w2.u - p2) * (w2.u - p2));
  r.high = r.diff + std::sqrt((w1.u - p1) * (w1.u - p1) + (p2 - w2.l) * (p2 - w2.l));
  r.low = std::max(-1.0, r.low);
  r.high = std::min(1.0, r.high);
  return r;
}

PairedAccumulator::PairedAccumulator(const StackedModel& model, std::size_t scenario,
                                     std::size_t baseline, std::vector<ResolvedTarget> targets,
                                     std::uint64_t max_draws, std::size_t sketch_k, int threads)
    : model_(model),
      scenario_(scenario),
      baseline_(baseline),
      targets_(std::move(targets)),
      max_draws_(max_draws),
      member_layout_(*model.member_view(ChunkView{}, 0).layout) {
  diff_summary_ = std::make_unique<SummaryAccumulator>(
      member_layout_, std::vector<ResolvedTarget>{}, max_draws, CHUNK_DRAWS, sketch_k, threads);
  const std::size_t cells = static_cast<std::size_t>(member_layout_.n_cells());
  count_width_ = 2 * cells + 4 * (targets_.size() + 1);
  chunk_counts_.assign(((max_draws + CHUNK_DRAWS - 1) / CHUNK_DRAWS) * count_width_, 0);
}

void PairedAccumulator::consume_unordered(const ChunkView& chunk) {
  const ChunkView s = model_.member_view(chunk, scenario_);
  const ChunkView b = model_.member_view(chunk, baseline_);
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
  std::uint64_t* counts = chunk_counts_.data() + (chunk.first_draw / CHUNK_DRAWS) * count_width_;
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
      tc[4 * t + (ms ? (mb ? 0 : 1) : (mb ? 2 : 3))] += 1;
    }
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
  const std::size_t n_chunks = (draws + CHUNK_DRAWS - 1) / CHUNK_DRAWS;
  std::vector<std::uint64_t> counts(count_width_, 0);
  for (std::size_t c = 0; c < n_chunks; ++c) {
    for (std::size_t i = 0; i < count_width_; ++i)
      counts[i] += chunk_counts_[c * count_width_ + i];
  }
  const double nn = static_cast<double>(draws);
  const double z = 1.959963984540054;
  const std::size_t ny = static_cast<std::size_t>(member_layout_.n_years());
  for (std::size_t s = 0; s < diff.summaries.size(); ++s) {
    const SeriesSummary& src = diff.summaries[s];
    SeriesSummary out;
    out.info = src.info;
    const std::size_t per_stat =
        ny * static_cast<std::size_t>(member_layout_.width(static_cast<int>(s)));
    out.stats.assign(N_DIFF_STATS * per_stat, 0.0);
    const std::size_t offset = static_cast<std::size_t>(member_layout_.offset(static_cast<int>(s)));
    for (std::size_t k = 0; k < per_stat; ++k) {
      const double mean = src.stats[0 * per_stat + k];
      const double sd = src.stats[1 * per_stat + k];
      const double half =
          draws > 1 ? z * sd / std::sqrt(nn) : std::numeric_limits<double>::quiet_NaN();
      const double v[N_DIFF_STATS] = {mean,
                                      mean - half,
                                      mean + half,
                                      sd,
                                      src.stats[3 * per_stat + k],
                                      src.stats[7 * per_stat + k],
                                      static_cast<double>(counts[2 * (offset + k)]) / nn,
                                      static_cast<double>(counts[2 * (offset + k) + 1]) / nn};
      for (int i = 0; i < N_DIFF_STATS; ++i)
        out.stats[static_cast<std::size_t>(i) * per_stat + k] = v[i];
    }
    cmp.diffs.push_back(std::move(out));
  }
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
  return cmp;
}

}  // namespace sectorsim::core
