#include "engine/io/results_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "engine/io/comparison_io.hpp"
#include "engine/io/conditioning_io.hpp"
#include "engine/io/h5_file.hpp"

namespace sectorsim::io {

namespace {

// Opens `path` and checks that it is a results file of a major version this
// reader knows.
h5::File open_results(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw IoError(path + ": no such file");
  if (std::filesystem::is_directory(path, error)) throw IoError(path + ": is a directory");
  std::optional<h5::File> opened;
  try {
    opened = h5::File::open_read_only(path);
  } catch (const IoError& e) {
    // HDF5 locks a file it writes (flock): another process holds it, which
    // says nothing about its contents.
    if (std::string_view(e.what()).find("unable to lock file") != std::string_view::npos) {
      throw IoError(path +
                    ": locked by another process (a run still writing it?); try again when it "
                    "has finished");
    }
    throw IoError(path + ": not a readable HDF5 file, or damaged or incomplete (" + e.what() + ")");
  }
  h5::File file = std::move(*opened);
  const std::string not_ours = path + ": not a sectorsim results file";
  if (!file.has_attribute("filetype")) throw IoError(not_ours + " (no 'filetype' attribute)");
  const std::string filetype = file.attribute<std::string>("filetype");
  if (filetype != FILETYPE) {
    throw IoError(not_ours + " (filetype is '" + filetype + "', expected '" + FILETYPE + "')");
  }
  const auto major = file.attribute<std::int32_t>("format_major");
  if (major != FORMAT_MAJOR) {
    const std::string version = file.has_attribute("format_version")
                                    ? file.attribute<std::string>("format_version")
                                    : std::to_string(major);
    throw IoError(path + ": results format version " + version +
                  " is not supported (this build reads " + std::to_string(FORMAT_MAJOR) +
                  ".x); use a matching version of sectorsim");
  }
  return file;
}

using nc::read_sized;

core::Sampler parse_sampler(const std::string& name, const std::string& where) {
  for (const core::Sampler s :
       {core::Sampler::MonteCarlo, core::Sampler::LatinHypercube, core::Sampler::Sobol}) {
    if (name == core::sampler_name(s)) return s;
  }
  throw IoError(where + ": unknown sampler '" + name + "'");
}

core::Op parse_op(const std::string& symbol, const std::string& where) {
  for (const core::Op op :
       {core::Op::Greater, core::Op::GreaterEqual, core::Op::Less, core::Op::LessEqual}) {
    if (symbol == core::op_symbol(op)) return op;
  }
  throw IoError(where + ": unknown comparison '" + symbol + "'");
}

void read_summaries(const h5::Group& summary, core::ScenarioResult& result) {
  result.summaries = nc::read_stat_series(summary, "stat", core::STAT_NAMES, core::N_STATS,
                                          result.years.size(), result.sector_ids.size());
}

// The non-finite counts of every series (format 1.2; left empty in 1.1 files).
void read_nonfinite(const h5::Group& g, core::ScenarioResult& result) {
  if (!g.has_link("nonfinite")) return;
  const h5::Group bad = g.open_group("nonfinite");
  for (core::SeriesSummary& series : result.summaries) {
    const std::size_t cells =
        result.years.size() * (series.info.by_sector ? result.sector_ids.size() : 1);
    series.nonfinite = read_sized<std::uint64_t>(bad, series.info.name, cells);
  }
}

void read_targets(const h5::Group& targets, core::ScenarioResult& result) {
  const std::size_t n_years = result.years.size();
  const std::size_t n = nc::length(targets, "target");
  const std::size_t n_by_year = n * n_years;
  const auto ids = read_sized<std::string>(targets, "id", n);
  const auto indicators = read_sized<std::string>(targets, "indicator", n);
  const auto ops = read_sized<std::string>(targets, "op", n);
  const auto labels_en = read_sized<std::string>(targets, "label_en", n);
  const auto labels_zh = read_sized<std::string>(targets, "label_zh", n);
  const auto years = read_sized<std::int32_t>(targets, "target_year", n);
  const auto relative = read_sized<std::int32_t>(targets, "relative_to_year", n);
  const auto thresholds = read_sized<double>(targets, "threshold", n);
  const auto probability = read_sized<double>(targets, "probability", n);
  const auto ci_low = read_sized<double>(targets, "ci_low", n);
  const auto ci_high = read_sized<double>(targets, "ci_high", n);
  const auto met = read_sized<std::uint64_t>(targets, "met", n);
  const auto draws = read_sized<std::uint64_t>(targets, "n", n);
  const auto p_year = read_sized<double>(targets, "probability_by_year", n_by_year);
  const auto low_year = read_sized<double>(targets, "ci_low_by_year", n_by_year);
  const auto high_year = read_sized<double>(targets, "ci_high_by_year", n_by_year);
  const auto met_year = read_sized<std::uint64_t>(targets, "met_by_year", n_by_year);
  const auto n_year = read_sized<std::uint64_t>(targets, "n_by_year", n_by_year);
  // Format 1.2: draws whose compared value was not finite (1.1 did not count them).
  const bool counted = targets.has_link("undefined_by_year");
  const auto undefined_year =
      counted ? read_sized<std::uint64_t>(targets, "undefined_by_year", n_by_year)
              : std::vector<std::uint64_t>(n_by_year, 0);

  for (std::size_t t = 0; t < n; ++t) {
    core::TargetResult target;
    target.spec.id = ids[t];
    target.spec.label_en = labels_en[t];
    target.spec.label_zh = labels_zh[t];
    target.spec.indicator = indicators[t];
    target.spec.year = years[t];
    target.spec.op = parse_op(ops[t], targets.where());
    target.spec.threshold = thresholds[t];
    if (relative[t] != 0) target.spec.relative_to_year = relative[t];
    target.in_year = {met[t], draws[t], probability[t], ci_low[t], ci_high[t]};
    for (std::size_t y = 0; y < n_years; ++y) {
      const std::size_t i = t * n_years + y;
      target.by_year.push_back(
          {met_year[i], n_year[i], p_year[i], low_year[i], high_year[i], undefined_year[i]});
    }
    target.in_year.undefined =
        undefined_year[t * n_years +
                       static_cast<std::size_t>(std::max(0, years[t] - result.years.front()))];
    result.targets.push_back(std::move(target));
  }
  result.all_targets = {
      targets.attribute<std::uint64_t>("joint_met"), targets.attribute<std::uint64_t>("joint_n"),
      targets.attribute<double>("joint_probability"), targets.attribute<double>("joint_ci_low"),
      targets.attribute<double>("joint_ci_high")};
}

// Opens /scenarios/<name>, naming the scenarios the file has when it is missing.
h5::Group open_scenario(const h5::File& file, const std::string& path, const std::string& name) {
  if (!file.has_link("scenarios")) throw IoError(path + ": no /scenarios group");
  const h5::Group scenarios = file.open_group("scenarios");
  if (name.empty() || name.find('/') != std::string::npos || !scenarios.has_link(name)) {
    std::string known;
    for (const std::string& s : scenarios.link_names())
      known += (known.empty() ? "" : ", ") + s;
    throw IoError(path + ": no scenario '" + name +
                  "' (the file has: " + (known.empty() ? "none" : known) + ")");
  }
  return scenarios.open_group(name);
}

}  // namespace

std::vector<std::string> list_scenarios(const std::string& path) {
  const h5::File file = open_results(path);
  if (!file.has_link("scenarios")) throw IoError(path + ": no /scenarios group");
  return file.open_group("scenarios").link_names();
}

core::ScenarioResult read_scenario(const std::string& path, const std::string& name) {
  const h5::File file = open_results(path);
  const h5::Group g = open_scenario(file, path, name);

  core::ScenarioResult result;
  result.name = name;
  result.draws = g.attribute<std::uint64_t>("draws");
  result.draws_requested = g.attribute<std::uint64_t>("draws_requested");
  result.seed = g.attribute<std::uint64_t>("seed");
  result.sampler = parse_sampler(g.attribute<std::string>("sampler"), g.where());
  result.quantile_method = g.attribute<std::string>("quantile_method");
  for (const std::int32_t year : g.open_dataset("year").read<std::int32_t>()) {
    result.years.push_back(year);
  }
  result.sector_ids = g.open_dataset("sector").read<std::string>();
  result.sector_names_en = read_sized<std::string>(g, "sector_name_en", result.sector_ids.size());
  result.sector_names_zh = read_sized<std::string>(g, "sector_name_zh", result.sector_ids.size());
  read_summaries(g.open_group("summary"), result);
  read_nonfinite(g, result);
  read_targets(g.open_group("targets"), result);
  result.conditioning = read_conditioning_summary(g);
  return result;
}

FileInfo read_file_info(const std::string& path) {
  const h5::File file = open_results(path);
  FileInfo info;
  info.format_version = file.attribute<std::string>("format_version");
  info.engine_version = file.attribute<std::string>("engine_version");
  info.created_utc = file.attribute<std::string>("created_utc");
  info.command_line = file.attribute<std::string>("command_line");
  info.generator = file.attribute<std::string>("generator");
  info.seed = file.attribute<std::uint64_t>("seed");
  info.chunk_draws = file.attribute<std::uint64_t>("chunk_draws");
  return info;
}

ScenarioInfo read_scenario_info(const std::string& path, const std::string& name) {
  const h5::File file = open_results(path);
  const h5::Group g = open_scenario(file, path, name);
  ScenarioInfo info;
  info.name = name;
  info.title_en = g.attribute<std::string>("title_en");
  info.title_zh = g.attribute<std::string>("title_zh");
  info.description = g.attribute<std::string>("description");
  info.complete = g.attribute<std::int32_t>("complete") != 0;
  info.scenario_sha256 = g.attribute<std::string>("scenario_sha256");
  if (g.has_attribute("model")) info.model = g.attribute<std::string>("model");
  return info;
}

std::vector<core::Provenance> read_provenance(const std::string& path, const std::string& name) {
  const h5::File file = open_results(path);
  return read_provenance_group(open_scenario(file, path, name));
}

std::vector<core::Comparison> read_comparisons(const std::string& path) {
  const h5::File file = open_results(path);
  return read_comparison_groups(file);
}

std::optional<core::BacktestResult> read_backtest(const std::string& path, std::string* scenario) {
  const h5::File file = open_results(path);
  return read_backtest_group(file, scenario);
}

std::vector<core::SourceFile> read_inputs(const std::string& path, const std::string& scenario) {
  const h5::File file = open_results(path);
  const h5::Group input = open_scenario(file, path, scenario).open_group("input");
  std::vector<core::SourceFile> files;
  for (std::size_t i = 0;; ++i) {
    const std::string name = "file_" + std::to_string(i);
    if (!input.has_link(name)) break;
    const h5::Dataset d = input.open_dataset(name);
    const auto text = d.read<std::string>();
    if (text.size() != 1) throw IoError(d.where() + ": expected one text");
    files.push_back({d.attribute<std::string>("path"), text[0]});
  }
  return files;
}

static core::SummaryState read_checkpoint_group(const h5::Group& cp);

core::SummaryState read_checkpoint(const std::string& path, const std::string& scenario) {
  const h5::File file = open_results(path);
  const h5::Group g = open_scenario(file, path, scenario);
  if (!g.has_link("checkpoint")) {
    throw IoError(path + ": scenario '" + scenario +
                  "' has no checkpoint (only an interrupted run can be resumed)");
  }
  const h5::Group cp = g.open_group("checkpoint");
  if (!cp.has_link("chunk_nonfinite") || !cp.has_link("chunk_undefined")) {
    // Format 1.1 did not count non-finite values: the draws done cannot be
    // vouched for, and a resumed run would count only its own.
    throw IoError(path + ": the checkpoint of scenario '" + scenario +
                  "' was written by a version that did not count non-finite values (results "
                  "format 1.1); finish it with that version, or run the scenario again");
  }
  // Checkpoint datasets carry Fletcher32 checksums: HDF5 refuses a damaged chunk.
  try {
    return read_checkpoint_group(cp);
  } catch (const IoError& e) {
    throw IoError(path + ": the checkpoint of scenario '" + scenario +
                  "' is damaged and cannot be resumed (" + e.what() + ")");
  }
}

static core::SummaryState read_checkpoint_group(const h5::Group& cp) {
  core::SummaryState st;
  st.draws = cp.attribute<std::uint64_t>("draws");
  st.chunk_stats = cp.open_dataset("chunk_stats").read<double>();
  st.chunk_counts = cp.open_dataset("chunk_counts").read<std::uint64_t>();
  st.chunk_sizes = cp.open_dataset("chunk_sizes").read<std::uint64_t>();
  st.chunk_nonfinite = cp.open_dataset("chunk_nonfinite").read<std::uint64_t>();
  st.chunk_undefined = cp.open_dataset("chunk_undefined").read<std::uint64_t>();
  if (cp.has_link("sketch_index")) {
    st.sketch_index = cp.open_dataset("sketch_index").read<std::uint64_t>();
    st.sketch_items = cp.open_dataset("sketch_items").read<double>();
    st.sketch_error = cp.open_dataset("sketch_error").read<double>();
  } else {
    st.values = cp.open_dataset("values").read<double>();
  }
  if (cp.has_link("log_likelihood")) {
    st.log_likelihood = cp.open_dataset("log_likelihood").read<double>();
    st.kept_draws = cp.open_dataset("kept_draws").read<std::uint64_t>();
  }
  if (cp.has_attribute("replicates")) {
    st.replicates = cp.attribute<std::int32_t>("replicates");
    st.replicate_sums = cp.open_dataset("replicate_sums").read<double>();
    st.replicate_counts = cp.open_dataset("replicate_counts").read<std::uint64_t>();
  }
  return st;
}

PathOptions path_storage(const std::string& path, const std::string& scenario,
                         const core::CellLayout& layout) {
  const h5::File file = open_results(path);
  const h5::Group g = open_scenario(file, path, scenario);
  PathOptions o;
  // Paths are stored as one dataset per series the model keeps paths of; the
  // first one says how they all are stored.
  const auto& series = layout.series();
  const auto first =
      std::find_if(series.begin(), series.end(), [](const core::SeriesInfo& s) { return s.paths; });
  o.keep_paths = first != series.end() && g.has_link("draw") && g.has_link(first->name);
  if (!o.keep_paths) return o;
  const h5::Dataset va = g.open_dataset(first->name);
  if (va.has_attribute("storage")) {
    // "float32, shuffle+gzip level 4" or "float64, uncompressed"
    const std::string storage = va.attribute<std::string>("storage");
    o.float32 = storage.rfind("float32", 0) == 0;
    const std::size_t at = storage.find("gzip level ");
    if (at != std::string::npos) o.gzip = std::stoi(storage.substr(at + 11));
  }
  return o;
}

void copy_paths(const std::string& path, const std::string& scenario, std::uint64_t draws,
                const core::CellLayout& layout, std::uint64_t chunk_draws, core::ChunkSink& sink) {
  const h5::File file = open_results(path);
  const h5::Group g = open_scenario(file, path, scenario);
  // Every stored series, whole (paths of a resumable run fit in memory: the
  // run kept all values in memory for its exact quantiles).
  const std::size_t cells = static_cast<std::size_t>(layout.n_cells());
  std::vector<std::vector<double>> stored(layout.series().size());
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    const std::string& name = layout.series()[i].name;
    if (!g.has_link(name)) continue;
    stored[i] = g.open_dataset(name).read<double>();
    const std::size_t width =
        static_cast<std::size_t>(layout.n_years() * layout.width(static_cast<int>(i)));
    if (stored[i].size() < draws * width) {
      throw IoError(g.where() + "/" + name + ": holds fewer than " + std::to_string(draws) +
                    " draws");
    }
  }
  std::vector<double> buf(cells * chunk_draws);
  for (std::uint64_t first = 0; first < draws; first += chunk_draws) {
    const std::size_t n = static_cast<std::size_t>(std::min(chunk_draws, draws - first));
    std::fill(buf.begin(), buf.end(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < stored.size(); ++i) {
      if (stored[i].empty()) continue;
      const int series = static_cast<int>(i);
      const std::size_t width = static_cast<std::size_t>(layout.n_years() * layout.width(series));
      const std::size_t offset = static_cast<std::size_t>(layout.offset(series));
      for (std::size_t lane = 0; lane < n; ++lane) {
        const double* row = stored[i].data() + (first + lane) * width;  // [draw][year][sector]
        for (std::size_t k = 0; k < width; ++k)
          buf[(offset + k) * chunk_draws + lane] = row[k];
      }
    }
    core::ChunkView view;
    view.first_draw = first;
    view.n = n;
    view.stride = chunk_draws;
    view.values = buf.data();
    view.layout = &layout;
    sink.consume(view);
  }
}

}  // namespace sectorsim::io
