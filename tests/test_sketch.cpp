// The quantile sketch keeps its stated rank-error bound, is deterministic,
// and gives the run's summaries in bounded memory.
#include "engine/stats/sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/stats/sort.hpp"

#include "engine/exec/runner.hpp"
#include "engine/sampling/simd.hpp"
#include "engine/stats/summary.hpp"
#include "models/sector_growth/sector_growth_model.hpp"
#include "tests/collect_sink.hpp"
#include "tests/support.hpp"

namespace sectorsim {
namespace {

// Rank of v among sorted data: the positions of the values equal to v.
std::pair<std::size_t, std::size_t> rank_range(const std::vector<double>& sorted, double v) {
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin();
  const auto hi = std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin();
  return {static_cast<std::size_t>(lo), static_cast<std::size_t>(hi)};
}

TEST(Sketch, RankErrorWithinTheStatedBound) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> dist(0, 1);
  const std::size_t n = 1 << 20, chunk = 4096;
  std::vector<double> all(n);
  for (double& v : all)
    v = dist(rng);
  core::QuantileSketch sk(256);  // small k: many compactions, a real test of the bound
  std::vector<double> buf(chunk);
  for (std::size_t i = 0; i < n; i += chunk) {
    std::copy(all.begin() + static_cast<std::ptrdiff_t>(i),
              all.begin() + static_cast<std::ptrdiff_t>(i + chunk), buf.begin());
    std::sort(buf.begin(), buf.end());
    sk.add_sorted(buf.data(), chunk);
  }
  EXPECT_EQ(sk.count(), n);
  EXPECT_LT(sk.size(), 64 * 256u);  // memory: a few k per level, not n
  std::sort(all.begin(), all.end());
  const double bound = sk.rank_error();
  EXPECT_LT(sk.rank_error_fraction(), 0.05);
  for (double p : {0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999}) {
    const double r = p * static_cast<double>(n - 1);
    const auto [lo, hi] = rank_range(all, sk.quantile(p));
    const double err = r < static_cast<double>(lo)   ? static_cast<double>(lo) - r
                       : r > static_cast<double>(hi) ? r - static_cast<double>(hi)
                                                     : 0.0;
    EXPECT_LE(err, bound) << "p=" << p << " rank error " << err << " > stated bound " << bound;
  }
}

TEST(Sketch, SavedAndRestoredContinuesBitIdentically) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> dist(0, 1);
  const std::size_t chunk = 1000, chunks = 40;
  std::vector<std::vector<double>> runs(chunks, std::vector<double>(chunk));
  for (auto& r : runs) {
    for (double& v : r)
      v = dist(rng);
    std::sort(r.begin(), r.end());
  }
  core::QuantileSketch whole(64), first(64), second(64);
  for (std::size_t c = 0; c < chunks; ++c) {
    whole.add_sorted(runs[c].data(), chunk);
    if (c < 17) first.add_sorted(runs[c].data(), chunk);
  }
  std::vector<std::uint64_t> index;
  std::vector<double> items, error;
  first.save(index, items, error);
  std::size_t at = 0, item_at = 0, error_at = 0;
  second.restore(index, at, items, item_at, error, error_at);
  EXPECT_EQ(at, index.size());
  EXPECT_EQ(item_at, items.size());
  EXPECT_EQ(error_at, error.size());
  for (std::size_t c = 17; c < chunks; ++c)
    second.add_sorted(runs[c].data(), chunk);
  std::vector<std::uint64_t> i1, i2;
  std::vector<double> v1, v2, e1, e2;
  whole.save(i1, v1, e1);
  second.save(i2, v2, e2);
  EXPECT_EQ(i1, i2);
  EXPECT_EQ(0, std::memcmp(v1.data(), v2.data(), v1.size() * sizeof(double)));
  EXPECT_EQ(v1.size(), v2.size());
  EXPECT_EQ(e1, e2);
  // Damaged or foreign states are refused.
  core::QuantileSketch other(128);
  at = item_at = error_at = 0;
  EXPECT_THROW(other.restore(index, at, items, item_at, error, error_at), std::invalid_argument);
  auto cut = index;
  cut.resize(4);
  at = item_at = error_at = 0;
  EXPECT_THROW(second.restore(cut, at, items, item_at, error, error_at), std::invalid_argument);
  // A level of 2k items or more is never saved: such a state is damaged.
  auto oversize = index;
  std::vector<double> many = items;
  many.insert(many.begin(), 2 * 64, 0.0);
  oversize[3] += 2 * 64;
  at = item_at = error_at = 0;
  EXPECT_THROW(second.restore(oversize, at, many, item_at, error, error_at), std::invalid_argument);
}

// The compactor hierarchy as the textbook states it: merge the run into
// level 0, then compact every level that holds 2k or more items, bottom up,
// one at a time (merge the level's every other item into the level above).
struct ReferenceSketch {
  std::size_t k;
  std::vector<std::vector<double>> levels;
  std::vector<std::uint64_t> offsets;
  std::uint64_t count = 0;
  double error = 0, max_weight = 1;

  static std::vector<double> merged(const std::vector<double>& a, const double* b, std::size_t n) {
    std::vector<double> out(a.size() + n);
    std::merge(a.begin(), a.end(), b, b + n, out.begin());
    return out;
  }
  void add_sorted(const double* x, std::size_t n) {
    if (levels.empty()) {
      levels.emplace_back();
      offsets.push_back(0);
    }
    levels[0] = merged(levels[0], x, n);
    count += n;
    for (std::size_t h = 0; h < levels.size(); ++h) {
      if (levels[h].size() < 2 * k) continue;
      if (h + 1 == levels.size()) {
        levels.emplace_back();
        offsets.push_back(0);
      }
      const std::vector<double> from = levels[h];
      std::vector<double> up;
      for (std::size_t i = 0; i < from.size() / 2; ++i)
        up.push_back(from[2 * i + offsets[h]]);
      offsets[h] ^= 1;
      levels[h].clear();
      if (from.size() % 2 == 1) levels[h].push_back(from.back());
      levels[h + 1] = merged(levels[h + 1], up.data(), up.size());
      error += std::ldexp(1.0, static_cast<int>(h));
      max_weight = std::max(max_weight, std::ldexp(2.0, static_cast<int>(h)));
    }
  }
  // As QuantileSketch::save lays it out.
  void save(std::vector<std::uint64_t>& index, std::vector<double>& items,
            std::vector<double>& err) const {
    index = {k, count, levels.size()};
    for (std::size_t h = 0; h < levels.size(); ++h) {
      index.push_back(levels[h].size());
      index.push_back(offsets[h]);
      items.insert(items.end(), levels[h].begin(), levels[h].end());
    }
    err = {error, max_weight};
  }
};

TEST(Sketch, SameLevelsAsMergeThenCompact) {
  // Runs shorter and longer than 2k, odd and even, with ties and repeated
  // values (+0 and -0 among them), for small and large k: every level, offset and error term
  // equals the textbook order of operations, bit for bit.
  std::mt19937_64 rng(11);
  for (std::size_t k : {2u, 3u, 8u, 64u, 257u}) {
    core::QuantileSketch sketch(k);
    ReferenceSketch ref;
    ref.k = k;
    std::uniform_int_distribution<std::size_t> len(1, 5 * k + 3);
    std::uniform_int_distribution<int> value(-40, 40);
    for (int run = 0; run < 300; ++run) {
      std::vector<double> x(len(rng));
      for (double& v : x) {
        v = value(rng) * 0.25;
        if (v == 0 && rng() % 2 == 0) v = -0.0;  // ties of different bits: merge order shows
      }
      std::sort(x.begin(), x.end());
      sketch.add_sorted(x.data(), x.size());
      ref.add_sorted(x.data(), x.size());
    }
    std::vector<std::uint64_t> i1, i2;
    std::vector<double> v1, v2, e1, e2;
    sketch.save(i1, v1, e1);
    ref.save(i2, v2, e2);
    ASSERT_EQ(i1, i2) << "k=" << k;
    ASSERT_EQ(v1.size(), v2.size()) << "k=" << k;
    EXPECT_EQ(0, std::memcmp(v1.data(), v2.data(), v1.size() * sizeof(double))) << "k=" << k;
    EXPECT_EQ(e1, e2) << "k=" << k;
    EXPECT_GT(i1[2], 3u) << "k=" << k << ": the test should reach several levels";
  }
}

// Keeps every value consume_unordered() sees, by draw ([cell][draw]).
class UnorderedCollect : public core::ChunkSink {
 public:
  void consume_unordered(const core::ChunkView& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto cells = static_cast<std::size_t>(c.layout->n_cells());
    values_.resize(cells);
    for (std::size_t k = 0; k < cells; ++k) {
      auto& v = values_[k];
      v.resize(std::max<std::size_t>(v.size(), c.first_draw + c.n));
      std::copy(c.cell(static_cast<int>(k)), c.cell(static_cast<int>(k)) + c.n,
                v.begin() + static_cast<std::ptrdiff_t>(c.first_draw));
    }
  }
  core::ValueUse value_use() const override { return core::ValueUse::ReadUnordered; }
  std::vector<std::vector<double>> values() const { return values_; }

 private:
  std::mutex mu_;
  std::vector<std::vector<double>> values_;
};

TEST(Sketch, SummariesFromSketchesAreIdenticalForThreadCounts) {
  auto spec = testing::two_sector_spec(2022, 2026);
  for (auto& sec : testing::sg(spec).sectors)
    sec.params.tfp_growth = core::Prior::normal(0.02, 0.01);
  const models::SectorGrowthModel model(spec);
  auto run = [&](int threads, std::size_t k) {
    const std::uint64_t draws = 9 * core::CHUNK_DRAWS + 17;
    core::SummaryAccumulator acc(model.layout(), {}, draws, core::CHUNK_DRAWS, k, threads);
    core::RunOptions opt;
    opt.draws = draws;
    opt.seed = 5;
    opt.threads = threads;
    core::run_draws(model, opt, {&acc});
    core::ScenarioResult r;
    acc.finish(draws, r, threads);
    return r;
  };
  const auto a = run(1, 1024), b = run(3, 1024), exact = run(2, 0);
  EXPECT_NE(a.quantile_method.find("rank error at most"), std::string::npos) << a.quantile_method;
  for (std::size_t s = 0; s < a.summaries.size(); ++s) {
    EXPECT_EQ(a.summaries[s].stats, b.summaries[s].stats) << a.summaries[s].info.name;
    // Mean, sd, min and max do not depend on the quantile method.
    const std::size_t per = a.summaries[s].stats.size() / core::N_STATS;
    for (std::size_t k = 0; k < per; ++k) {
      for (int st : {0, 1, 2, 8}) {
        EXPECT_EQ(a.summaries[s].stats[st * per + k], exact.summaries[s].stats[st * per + k]);
      }
    }
  }
}

// Sketch mode sorts each chunk's values in the runner's buffer where it is
// the only sink that rearranges values and none reads them in order, else in
// a copy; its groups of cells are fed by whichever threads are free. Neither
// moves a result: every thread count and both ways give the same bits, and
// the target counts (which read draws across cells, before the sort) and
// the other sinks' views are those of the values as computed.
TEST(Sketch, SortedInPlaceOrInACopyOnAnyThreadCountAlike) {
  const auto spec = testing::uncertain_two_sector_spec();
  const models::SectorGrowthModel model(spec);
  const auto targets =
      core::resolve_targets(spec.targets, model.layout(), spec.base_year, {"services", "industry"});
  const std::uint64_t draws = 11 * core::CHUNK_DRAWS + 5;
  struct Outcome {
    core::ScenarioResult result;
    testing::CollectSink seen;
  };
  // collect: 0 no other sink; 1 a sink reading values before the summary's
  // turn (the summary sorts in place after it); 2 a sink reading them in
  // order (the summary must copy).
  auto run = [&](int threads, std::size_t k, int collect) {
    Outcome out;
    core::SummaryAccumulator acc(model.layout(), targets, draws, core::CHUNK_DRAWS, k, threads);
    UnorderedCollect early;
    std::vector<core::ChunkSink*> sinks;
    if (collect == 1) sinks.push_back(&early);
    if (collect == 2) sinks.push_back(&out.seen);
    sinks.push_back(&acc);  // before `early` in the list, after it in the run
    if (collect == 1) std::swap(sinks.front(), sinks.back());
    core::RunOptions opt;
    opt.draws = draws;
    opt.seed = 9;
    opt.threads = threads;
    core::run_draws(model, opt, sinks);
    acc.finish(draws, out.result, threads);
    if (collect == 1) out.seen.values = early.values();
    return out;
  };
  const Outcome exact = run(2, 0, 2);
  const Outcome one = run(1, 256, 0);
  ASSERT_NE(one.result.quantile_method.find("rank error at most"), std::string::npos);
  for (const auto& [threads, collect] :
       std::vector<std::pair<int, int>>{{1, 1}, {1, 2}, {2, 0}, {3, 1}, {3, 2}, {8, 0}, {8, 1}}) {
    SCOPED_TRACE("threads " + std::to_string(threads) + ", other sink " + std::to_string(collect));
    const Outcome o = run(threads, 256, collect);
    ASSERT_EQ(o.result.summaries.size(), one.result.summaries.size());
    for (std::size_t s = 0; s < o.result.summaries.size(); ++s)
      EXPECT_EQ(o.result.summaries[s].stats, one.result.summaries[s].stats);
    ASSERT_EQ(o.result.targets.size(), exact.result.targets.size());
    for (std::size_t t = 0; t < o.result.targets.size(); ++t) {
      EXPECT_EQ(o.result.targets[t].in_year.met, exact.result.targets[t].in_year.met);
      for (std::size_t y = 0; y < o.result.targets[t].by_year.size(); ++y)
        EXPECT_EQ(o.result.targets[t].by_year[y].met, exact.result.targets[t].by_year[y].met);
    }
    EXPECT_EQ(o.result.all_targets.met, exact.result.all_targets.met);
    if (collect > 0) {
      EXPECT_TRUE(o.seen.values == exact.seen.values) << "another sink saw other values";
    }
  }
  // The targets are neither always nor never met, so the counts can tell.
  EXPECT_GT(exact.result.all_targets.met, 0u);
  EXPECT_LT(exact.result.all_targets.met, draws);
}

}  // namespace
}  // namespace sectorsim

namespace sectorsim {
namespace {

// IEEE 754 totalOrder as a strict weak order: -NaN < -inf < ... < -0 < +0 <
// ... < +inf < +NaN. Stated from the standard's definition, not from the
// sort's integer keys: negatives (sign bit set) first; among values of one
// sign the magnitude bits order them (NaN payloads included), increasing for
// positives and decreasing for negatives.
bool total_order_less(double a, double b) {
  std::uint64_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  const bool negative_a = (x >> 63) != 0, negative_b = (y >> 63) != 0;
  if (negative_a != negative_b) return negative_a;
  const std::uint64_t mx = x & ~(std::uint64_t{1} << 63), my = y & ~(std::uint64_t{1} << 63);
  return negative_a ? mx > my : mx < my;
}

TEST(Sort, EqualsStdSortOnRandomData) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0, 1e3);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<std::int64_t> scratch;
  for (std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 1000u, 4096u, 100000u}) {
    std::vector<double> x(n);
    for (double& v : x) {
      switch (pick(rng)) {
        case 0:
          v = 3.5;  // ties
          break;
        case 1:
          v = -std::numeric_limits<double>::infinity();
          break;
        case 2:
          v = std::numeric_limits<double>::denorm_min() * static_cast<double>(pick(rng));
          break;
        default:
          v = normal(rng);
      }
    }
    std::vector<double> expected = x;
    std::sort(expected.begin(), expected.end());
    core::sort_doubles(x.data(), n, scratch);
    if (n > 0) {
      ASSERT_EQ(0, std::memcmp(x.data(), expected.data(), n * sizeof(double))) << "n = " << n;
    }
  }
}

TEST(SketchMerge, SameAsStdMerge) {
  // Sorted runs with ties across the runs, signed zeros (equal under <, told
  // apart by their bits), infinities, and NaN in either run (no order: the
  // one-chain merge must reproduce std::merge's interleaving), of every
  // small size and some large ones, odd and even totals.
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<int> pick(0, 9);
  std::normal_distribution<double> normal;
  auto make = [&](std::size_t n, bool with_nan) {
    std::vector<double> v(n);
    for (double& x : v) {
      switch (pick(rng)) {
        case 0:
          x = 1.5;
          break;
        case 1:
          x = (pick(rng) % 2) ? 0.0 : -0.0;
          break;
        case 2:
          x = -std::numeric_limits<double>::infinity();
          break;
        default:
          x = std::round(4 * normal(rng)) / 4;  // many ties
      }
    }
    std::sort(v.begin(), v.end());  // operator<: the order std::merge assumes
    if (with_nan && n > 0) v[n / 2] = std::numeric_limits<double>::quiet_NaN();
    return v;
  };
  for (bool with_nan : {false, true}) {
    for (std::size_t na : {0, 1, 2, 3, 7, 64, 1000, 4096}) {
      for (std::size_t nb : {0, 1, 2, 5, 63, 999, 4096}) {
        const std::vector<double> a = make(na, with_nan), b = make(nb, with_nan && nb % 2);
        std::vector<double> expected(na + nb), got(na + nb);
        std::merge(a.begin(), a.end(), b.begin(), b.end(), expected.begin());
        core::merge_sorted(a.data(), na, b.data(), nb, got.data());
        if (na + nb > 0) {
          ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), (na + nb) * sizeof(double)))
              << "na = " << na << ", nb = " << nb << (with_nan ? ", with NaN" : "");
        }
      }
    }
  }
  // Runs that do not interleave (b wholly after, before or inside a): one
  // half of the split output takes a single run.
  for (double shift : {100.0, -100.0, 0.0}) {
    for (std::size_t na : {1, 2, 1000, 4096}) {
      for (std::size_t nb : {1, 3, 4096}) {
        std::vector<double> a = make(na, false), b(nb);
        for (std::size_t i = 0; i < nb; ++i)
          b[i] = shift +
                 (shift == 0.0 ? 1e-3 : 1.0) * static_cast<double>(i) / static_cast<double>(nb);
        std::vector<double> expected(na + nb), got(na + nb);
        std::merge(a.begin(), a.end(), b.begin(), b.end(), expected.begin());
        core::merge_sorted(a.data(), na, b.data(), nb, got.data());
        ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), (na + nb) * sizeof(double)))
            << "na = " << na << ", nb = " << nb << ", b shifted by " << shift;
      }
    }
  }
}

TEST(Sort, InAndOutOfPlaceGiveTheTotalOrderOnEveryKindOfData) {
  // Out of place the input is left as it was, and the output (and that of
  // sorting in place) is the IEEE total order, bit for bit, on every SIMD
  // target the sort may run, for: data of one sign, finite and non-zero,
  // with ties, subnormals and the largest double; the same with signed zeros
  // or an infinity among them; data with NaNs of both signs, signed zeros,
  // infinities and subnormals; data of two values (0 and 1); finite data
  // either side of zero, with signed zeros and subnormals among them; finite
  // data spanning more than the largest double (-1e308 to 1e308) or a few
  // subnormals either side of zero; for sizes that are not a multiple of
  // anything in particular.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double tiny = std::numeric_limits<double>::denorm_min();
  std::mt19937_64 rng(23);
  std::uniform_int_distribution<int> pick(0, 15);
  std::normal_distribution<double> normal(0, 10);
  const double largest = std::numeric_limits<double>::max();
  enum Kind {
    Positive,
    Negative,
    PositiveAndZeros,
    Specials,
    TwoValues,
    AroundZero,
    Huge,
    Subnormal
  };
  std::vector<std::int64_t> scratch;
  for (const std::string& target : core::simd_targets()) {
    SCOPED_TRACE(target);
    const core::ScopedSimdTarget pin(target);
    for (Kind kind :
         {Positive, Negative, PositiveAndZeros, Specials, TwoValues, AroundZero, Huge, Subnormal}) {
      for (std::size_t n : {1u, 2u, 3u, 5u, 17u, 1001u, 4096u, 4099u}) {
        std::vector<double> x(n);
        for (double& v : x) {
          const int p = pick(rng);
          const double positive = p == 0   ? 3.5  // ties
                                  : p == 1 ? tiny * (pick(rng) + 1)
                                  : p == 2 ? largest
                                           : 1.0 + std::abs(normal(rng));
          switch (kind) {
            case Positive:
              v = positive;
              break;
            case Negative:
              v = -positive;
              break;
            case PositiveAndZeros:
              v = p == 3 ? (pick(rng) % 2 ? 0.0 : -0.0) : p == 4 ? inf : positive;
              break;
            case Specials:
              v = p == 0   ? (pick(rng) % 2 ? nan : -nan)
                  : p == 1 ? (pick(rng) % 2 ? 0.0 : -0.0)
                  : p == 2 ? (pick(rng) % 2 ? inf : -inf)
                  : p == 3 ? tiny * (pick(rng) - 7)
                           : normal(rng);
              break;
            case TwoValues:
              v = static_cast<double>(p % 2);
              break;
            case AroundZero:
              v = p == 0   ? (pick(rng) % 2 ? 0.0 : -0.0)
                  : p == 1 ? tiny * (pick(rng) - 7)
                           : normal(rng);
              break;
            case Huge:
              v = normal(rng) * 1e306;
              break;
            case Subnormal:  // either side of zero, spanning too little to scale by value
              v = tiny * (p - 7);
              break;
          }
        }
        const std::vector<double> input = x;
        std::vector<double> expected = x;
        std::sort(expected.begin(), expected.end(), total_order_less);
        std::vector<double> got(n);
        core::sort_doubles(x.data(), got.data(), n, scratch);
        ASSERT_EQ(0, std::memcmp(x.data(), input.data(), n * sizeof(double))) << "n = " << n;
        ASSERT_EQ(0, std::memcmp(got.data(), expected.data(), n * sizeof(double)))
            << "n = " << n << ", kind " << kind;
        core::sort_doubles(x.data(), n, scratch);
        ASSERT_EQ(0, std::memcmp(x.data(), expected.data(), n * sizeof(double)))
            << "in place, n = " << n << ", kind " << kind;
      }
    }
  }
}

TEST(Sort, OneSpecialValueAnywhereInOneSignedDataKeepsTheTotalOrder) {
  // Data of one sign, finite and non-zero, sort the same by < and by the
  // total order; one zero, NaN, infinity or value of the other sign anywhere
  // (first, last, inside a vector, at a block's end, in the tail) must still
  // find its place in the total order.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::int64_t> scratch;
  for (std::size_t n : {1u, 3u, 4u, 5u, 4099u}) {
    for (double sign : {1.0, -1.0}) {
      std::vector<double> clean(n);
      for (std::size_t i = 0; i < n; ++i)
        clean[i] = sign * (1.0 + static_cast<double>((i * 7919) % n));
      for (double odd : {0.0, -0.0, nan, -nan, inf, -inf, -sign}) {
        for (std::size_t at : {0u, 1u, 255u, 256u, 1000u, 4095u, 4096u, 4098u}) {
          if (at >= n) continue;
          std::vector<double> x = clean;
          x[at] = odd;
          std::vector<double> expected = x;
          std::sort(expected.begin(), expected.end(), total_order_less);
          core::sort_doubles(x.data(), n, scratch);
          ASSERT_EQ(0, std::memcmp(x.data(), expected.data(), n * sizeof(double)))
              << "n = " << n << ", " << odd << " at " << at;
        }
      }
    }
  }
}

TEST(Sort, TotalOrderPutsNegativeZeroFirstAndNaNsAtTheEnds) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x = {1.0, 0.0, nan, -0.0, -2.0, std::numeric_limits<double>::infinity(),
                           -nan};
  std::vector<std::int64_t> scratch;
  core::sort_doubles(x.data(), x.size(), scratch);
  EXPECT_TRUE(std::isnan(x[0]) && std::signbit(x[0]));
  EXPECT_EQ(x[1], -2.0);
  EXPECT_TRUE(x[2] == 0.0 && std::signbit(x[2]));
  EXPECT_TRUE(x[3] == 0.0 && !std::signbit(x[3]));
  EXPECT_EQ(x[4], 1.0);
  EXPECT_EQ(x[5], std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(x[6]) && !std::signbit(x[6]));
  // Long input: the same order.
  std::vector<double> y;
  for (int i = 0; i < 50; ++i)
    y.insert(y.end(), {0.0, -0.0, 1.0, -1.0});
  core::sort_doubles(y.data(), y.size(), scratch);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_TRUE(y[i] == -1.0);
    EXPECT_TRUE(y[50 + i] == 0.0 && std::signbit(y[50 + i]));
    EXPECT_TRUE(y[100 + i] == 0.0 && !std::signbit(y[100 + i]));
    EXPECT_TRUE(y[150 + i] == 1.0);
  }
}

}  // namespace
}  // namespace sectorsim
