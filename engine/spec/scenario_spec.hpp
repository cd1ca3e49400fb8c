// ScenarioSpec: the validated, immutable description of one scenario.
//
// This is the data contract between the configuration layer (which builds it
// from YAML and owns every error message about the input) and the models (which
// read it and never see YAML). It holds what every model shares: the horizon,
// the region's and sectors' ids and labels, the targets, the run settings, the
// input files and the provenance of every number; plus the model's name and
// its own block of data (ModelBlock), which only that model reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampling/prior.hpp"
#include "engine/sampling/sampler.hpp"
#include "engine/spec/model_block.hpp"

namespace sectorsim::core {

/// One sector of the region: what every model shares (its id and labels).
/// A model's own sector data (base-year values, flags, parameters) live in
/// its model block.
struct SectorSpec {
  std::string id;       ///< identifier used in files and output ("finance")
  std::string name_en;  ///< English label
  std::string name_zh;  ///< Chinese label
};

/// The region the scenario is about (its data are the model's).
struct RegionSpec {
  std::string id;
  std::string name_en;
  std::string name_zh;
};

/// Comparison used by a target.
enum class Op { Greater, GreaterEqual, Less, LessEqual };
const char* op_symbol(Op op);  // ">", ">=", "<", "<="

/// A target: indicator (or sector series) in a year compared with a threshold.
struct TargetSpec {
  std::string id;
  std::string label_en;
  std::string label_zh;
  std::string
      indicator;  ///< an indicator name, or "<series>.<sector>" (e.g. "revenue.software_it")
  int year = 0;   ///< the year the target is judged in
  Op op = Op::Greater;
  double threshold = 0;
  /// If set, the indicator is divided by its value in this year first ("doubled": >= 2).
  std::optional<int> relative_to_year;
};

/// The most draws a run accepts (run.draws, --draws): 2^40, about 1.1e12.
/// At the fastest measured rates (a few million draws a second) that is days
/// of computing, and it keeps every count derived from draws (bytes, chunks,
/// ranks) at least 2^23 below 64-bit overflow. Checked before any arithmetic.
inline constexpr std::uint64_t MAX_DRAWS = std::uint64_t{1} << 40;

/// Run settings; command-line options override them and are recorded in output.
struct RunSettings {
  std::uint64_t draws = 10000;
  std::uint64_t seed = 20221014;
  Sampler sampler = Sampler::MonteCarlo;
  /// Independently scrambled replicates of a Sobol run, in [2, 1024]; their
  /// spread gives the standard error (docs/sampling.md).
  int replicates = 8;
};

/// One input file as read (the scenario and each file it extends).
struct SourceFile {
  std::string path;
  std::string text;
};

/// A number of the scenario and where it comes from, for reports.
struct Provenance {
  std::string key;    ///< key path, e.g. "sectors.finance.base.va"
  std::string value;  ///< the number (or prior) as written
  std::string kind;   ///< "source", "estimate" or "" when undocumented
  std::string note;   ///< the source citation or the estimate's reasoning
  std::string where;  ///< "file:line:col" of the value as written ("" if unknown)
};

/// A published value a back-test scores the forecast against
/// (docs/backtest.md): an indicator or sector series in a year after the base.
struct BacktestObservation {
  std::string indicator;  ///< as a target's: "district_gdp", "va.finance"
  int year = 0;
  double value = 0;
};

/// What an observation says of its indicator (MODEL.md 8.6).
enum class ObservationKind {
  Value,  ///< the published value, with a measurement error
  Above,  ///< a lower bound ("over 31亿"): the value is above it
  Below,  ///< an upper bound: the value is below it
};

/// A published figure that conditions the run (`observed:`, docs/conditioning.md):
/// an indicator or sector series in a year after the base, its level or its
/// growth over the year before, with a measurement error.
struct Observation {
  std::string indicator;  ///< as a target's: "district_gdp", "va.finance"
  int year = 0;
  /// The level in `year`, or (growth) its rate over the year before, 0.03 for 3%.
  bool growth = false;
  ObservationKind kind = ObservationKind::Value;
  double value = 0;  ///< the value, or the bound
  /// The measurement error's sd: absolute, or relative to |value| where
  /// `relative`; 0 only for a bound (a hard one).
  double sd = 0;
  bool relative = false;
  /// Of a revised statistical vintage: the level break (ObservedSpec::revision)
  /// applies to it.
  bool revised = false;
  std::string where;  ///< file:line:col of the item
};

/// The scenario's observations and how they are used.
struct ObservedSpec {
  std::vector<Observation> values;
  /// The level break of a revised vintage as a share (0.05: the revised
  /// levels are 5% above the first vintage's), integrated out per draw;
  /// required where an observation is `vintage: revised`.
  std::optional<Prior> revision;
  /// The least effective sample size a conditioned run accepts.
  double min_ess = 100;
  /// Draws whose log-likelihood lies more than this below a perfect fit's
  /// (every value observed exactly, every bound passed) are not kept: their
  /// weight is below e^-keep_within of such a fit's. What they would have
  /// carried is measured after the run and must be negligible.
  double keep_within = 40;
  bool empty() const { return values.empty(); }
};

/// The least and largest share of a lever's total a part of it may take.
struct ShareBounds {
  double min = 0;
  double max = 1;
};

/// A lever `sectorsim optimise` chooses (`optimise.levers.<key>`,
/// docs/decision.md): its total, and bounds on each sector's and each year's
/// share of that total.
struct OptimiseLever {
  std::string key;  ///< a lever the model declares: "funds"
  /// The lever's total over years and sectors, kept exactly; unset: the scenario's own.
  std::optional<double> total;
  /// [sector]: each sector's share over all years (levers spent by sector);
  /// empty for a lever split across sectors by its allocation.
  std::vector<ShareBounds> sectors;
  /// [year index]: each year's share (index 0, the base year, takes nothing).
  std::vector<ShareBounds> years;
  /// The first year index chosen (`from:`, default 1, the year after the
  /// base): earlier years keep the scenario's amounts, and the total and
  /// shares are those of the years from it on.
  std::size_t first_year = 1;
  std::string where;  ///< file:line:col of its entry
};

/// What `sectorsim optimise` may choose (`optimise:`); empty without the block.
struct OptimiseSpec {
  std::vector<OptimiseLever> levers;
  bool empty() const { return levers.empty(); }
};

/// A complete scenario.
struct ScenarioSpec {
  std::string name;  ///< short identifier, used as the HDF5 group name
  std::string title_en;
  std::string title_zh;
  std::string description;
  int base_year = 0;  ///< observed year; simulation starts at base_year + 1
  int end_year = 0;   ///< last simulated year (>= base_year + 1)
  RegionSpec region;
  /// The sectors' ids and labels; a model without sectors has none.
  std::vector<SectorSpec> sectors;
  /// The model that runs the scenario (models/registry), and its own data,
  /// read and checked by that model's reader: opaque to everything else.
  std::string model = "sector_growth";
  ModelBlockValue model_block;
  std::vector<TargetSpec> targets;
  /// The file each target was written in, parallel to `targets`: the
  /// scenario's own, or a base's it inherited (`extends:`, `targets+:`).
  std::vector<std::string> target_files;
  RunSettings run;
  /// Published values the run is scored against (`backtest:`), if any.
  std::vector<BacktestObservation> backtest;
  /// Published values the run is conditioned on (`observed:`), if any.
  ObservedSpec observed;
  /// The levers `sectorsim optimise` chooses and their bounds (`optimise:`), if any.
  OptimiseSpec optimise;
  std::vector<SourceFile> files;  ///< files[0] is the scenario, then its bases
  std::vector<Provenance> provenance;

  int n_years() const { return end_year - base_year + 1; }
  int n_sectors() const { return static_cast<int>(sectors.size()); }
};

}  // namespace sectorsim::core
