// PRIM, the patient rule induction method (Friedman & Fisher 1999), as
// scenario discovery uses it (Bryant & Lempert 2010): a box of conditions on
// the inputs inside which the cases of interest (draws that miss a target)
// are concentrated. Pure numerics: points and a 0/1 case flag in, the
// peeling trajectory, the chosen box and its resampling check out.
//
// Peeling: from the box holding every point, each step considers, for every
// input and each side, removing the alpha share of the points in the box
// with the lowest (or highest) values of that input, and makes the peel that
// leaves the highest share of cases in the box; it stops before the box
// would hold less than min_mass of the points. Pasting then widens the
// chosen box, one side at a time, by alpha of its points where that raises
// the share of cases. A box is an open interval (low, high) per input, its
// ends halfway between the last point removed and the first point kept.
// Covered by tests/test_prim.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sectorsim::core {

/// The points PRIM reads: n points of d inputs, x[j * n + i] the value of
/// input j at point i, and case_flag[i] = 1 where point i is a case of interest.
struct PrimData {
  std::size_t n = 0;
  std::size_t d = 0;
  std::vector<double> x;
  std::vector<unsigned char> case_flag;
};

/// How PRIM peels, pastes, chooses a box and checks it.
struct PrimOptions {
  double alpha = 0.05;     ///< share of the box's points one peel or paste moves, (0, 0.5)
  double min_mass = 0.05;  ///< the least share of all points a box may hold, (0, 1)
  /// The box chosen: among the trajectory's steps with at least this
  /// coverage, the one with the highest harmonic mean of coverage and
  /// density (2 cases in box / (cases + points in box)).
  double min_coverage = 0.5;
  /// A restriction is kept and reported only where at least this share of
  /// all points lies beyond it (on its own input): others are dropped from
  /// the chosen box, whose statistics are computed without them.
  double min_removed = 0.05;
  bool paste = true;
  int resamples = 50;      ///< bootstrap resamples of the stability check (0: none)
  std::uint64_t seed = 1;  ///< of the resamples
  int threads = 1;         ///< for the resamples; no result depends on it
};

/// A box and what it holds: inside where low[j] < x_j < high[j] for every
/// input j (-inf and +inf where the input is not restricted).
struct PrimBox {
  std::vector<double> low, high;
  std::size_t points = 0;  ///< points inside
  std::size_t cases = 0;   ///< cases inside
  double coverage = 0;     ///< cases inside / all cases
  double density = 0;      ///< cases inside / points inside
  double mass = 0;         ///< points inside / all points
};

/// The stability check: PRIM rerun (peeled, chosen, pasted, trimmed as the
/// main box) on bootstrap resamples of the points, each box judged on the
/// points its resample left out.
struct PrimStability {
  int resamples = 0;
  /// Per input: the share of resamples whose box restricts it.
  std::vector<double> restricted_share;
  /// Mean and standard deviation over resamples of the coverage and density
  /// of each resample's box on its held-out points.
  double coverage_mean = 0, coverage_sd = 0;
  double density_mean = 0, density_sd = 0;
};

struct PrimResult {
  std::size_t cases = 0;    ///< cases among all points
  double base_density = 0;  ///< cases / points: the density of the whole space
  /// The peeling trajectory: [0] the whole space, then the box after each peel.
  std::vector<PrimBox> trajectory;
  std::size_t chosen = 0;  ///< the trajectory step the box was chosen at
  /// The chosen box, pasted, with only its non-trivial restrictions.
  PrimBox box;
  std::vector<bool> restricted;  ///< per input: the box restricts it
  PrimStability stability;
};

/// A scenario discovery: which draws of a scenario are the cases (those that
/// miss, or meet, a target in its year), the inputs PRIM read, and what it
/// found. What `sectorsim discover` computes (engine/analysis/discover.hpp),
/// writes (engine/io/discover_io.hpp) and prints.
struct Discovery {
  std::string scenario;
  std::string target;        ///< the target's id
  std::string target_label;  ///< its English label
  std::string condition;     ///< "service_va > 3000 in 2025"
  bool meet = false;         ///< cases are the draws that meet it (else miss it)
  std::uint64_t draws = 0;
  std::uint64_t seed = 0;
  std::string sampler;              ///< "mc", "lhs", "sobol"
  std::vector<std::string> inputs;  ///< the parameters PRIM read (those not fixed)
  std::vector<std::string> units;   ///< their units, as the model declares them
  PrimOptions options;
  PrimResult result;
};

/// The chosen box of `d` as readable conditions, one a restricted input:
/// "space_elasticity < 0.06", "0.01 < price_growth < 0.05", each value to 4
/// significant digits and followed by the input's unit where it has one
/// (not "1"). Test: Prim.ConditionsNameOnlyTheRestrictedInputs.
std::vector<std::string> box_conditions(const Discovery& d);

/// The statistics of `box` over every point of `data` (points, cases,
/// coverage, density, mass). Test:
/// Prim.BoxStatisticsByHand.
void fill_box_statistics(const PrimData& data, PrimBox& box);

/// PRIM over `data`. Throws std::invalid_argument for options out of range,
/// sizes that do not match, or data without points. The same data and
/// options give the same result, bit for bit, on any thread count.
/// Tests: Prim.* (tests/test_prim.cpp).
PrimResult prim(const PrimData& data, const PrimOptions& options);

}  // namespace sectorsim::core
