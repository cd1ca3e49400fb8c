#include "engine/io/results_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/io/comparison_io.hpp"
#include "engine/io/conditioning_io.hpp"
#include "engine/io/file_header.hpp"
#include "engine/io/h5_file.hpp"
#include "engine/io/output_target.hpp"
#include "engine/io/sha256.hpp"
#include "engine/spec/version.hpp"

namespace sectorsim::io {

namespace fs = std::filesystem;

namespace {

/// Path datasets are chunked by this many draws (fewer when a draw is large).
constexpr hsize_t PATH_CHUNK_DRAWS = 4096;
constexpr hsize_t PATH_CHUNK_MAX_BYTES = hsize_t{8} << 20;

std::string errno_text(int error) {
  return std::strerror(error);
}

void check_scenario_name(const std::string& name) {
  check_group_name(name);  // engine/io/output_target.hpp
}

using nc::Coord;
using nc::write_coordinate;
using nc::write_variable;

std::vector<std::string> stat_names() {
  return {std::begin(core::STAT_NAMES), std::end(core::STAT_NAMES)};
}

/// Units of the quantity a target compares: its series' units, or "1" for a ratio.
std::string target_units(const core::TargetSpec& target,
                         const std::vector<core::SeriesSummary>& summaries) {
  if (target.relative_to_year) return "1";
  const std::string series = target.indicator.substr(0, target.indicator.find('.'));
  for (const core::SeriesSummary& summary : summaries) {
    if (summary.info.name == series) return summary.info.units;
  }
  return "";
}

// Path bytes written between two calls to start_writeback.
constexpr std::uint64_t WRITEBACK_BYTES = std::uint64_t{32} << 20;

// Asks the kernel to start writing the file's dirty pages to disk now,
// without waiting for them (Linux: sync_file_range with
// SYNC_FILE_RANGE_WRITE; elsewhere nothing). With the few hundred MB of a
// path run below the kernel's dirty-page threshold, nothing would otherwise
// reach the disk before commit()'s fsync, and the run would wait for all of
// it at the end instead of writing while it simulates. Best effort: the
// fsync reports any failure.
void start_writeback(int fd) noexcept {
#if defined(__linux__)
  if (fd >= 0) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
  (void)fd;
#endif
}

// Writes the per-draw paths of one scenario, one chunk at a time, in draw order.
class PathSink final : public core::ChunkSink {
 public:
  struct Series {
    int index = 0;  // in the cell layout
    int cells = 0;  // n_years * width
    h5::Dataset dataset;
  };

  /// writeback_fd: a descriptor of the file, for start_writeback (-1: none).
  PathSink(std::string scenario, const core::CellLayout& layout, std::uint64_t draws,
           std::vector<Series> series, std::size_t expected_chunk, std::size_t value_bytes,
           int writeback_fd)
      : scenario_(std::move(scenario)),
        layout_(layout),
        draws_(draws),
        series_(std::move(series)),
        value_bytes_(value_bytes),
        writeback_fd_(writeback_fd) {
    int widest = 0;
    for (const Series& s : series_)
      widest = std::max(widest, s.cells);
    buffer_.reserve(expected_chunk * static_cast<std::size_t>(widest));
  }

  void consume(const core::ChunkView& chunk) override {
    if (chunk.first_draw != written_) {
      throw IoError("scenario '" + scenario_ + "': paths chunk starts at draw " +
                    std::to_string(chunk.first_draw) + ", expected " + std::to_string(written_) +
                    " (chunks must arrive in draw order)");
    }
    if (chunk.first_draw + chunk.n > draws_) {
      throw IoError("scenario '" + scenario_ + "': paths chunk ends at draw " +
                    std::to_string(chunk.first_draw + chunk.n) + ", beyond the " +
                    std::to_string(draws_) + " draws announced");
    }
    if (chunk.layout != nullptr && chunk.layout->n_cells() != layout_.n_cells()) {
      throw IoError("scenario '" + scenario_ + "': paths chunk has " +
                    std::to_string(chunk.layout->n_cells()) + " cells, expected " +
                    std::to_string(layout_.n_cells()));
    }
    // The chunk is cell-major (values[cell * stride + lane]); the file is draw-major
    // ([draw][year][sector]). A series' cells are already in [year][sector] order.
    for (const Series& s : series_) {
      const std::size_t cells = static_cast<std::size_t>(s.cells);
      buffer_.resize(chunk.n * cells);
      const double* first = chunk.cell(layout_.offset(s.index));
      for (std::size_t k = 0; k < cells; ++k) {
        const double* cell = first + k * chunk.stride;
        for (std::size_t lane = 0; lane < chunk.n; ++lane)
          buffer_[lane * cells + k] = cell[lane];
      }
      s.dataset.write_rows(chunk.first_draw, chunk.n, buffer_.data());
      unsynced_ += chunk.n * cells * value_bytes_;
    }
    written_ += chunk.n;
    if (unsynced_ >= WRITEBACK_BYTES) {
      start_writeback(writeback_fd_);
      unsynced_ = 0;
    }
  }

  /// Writes the values in consume(), in draw order.
  core::ValueUse value_use() const override { return core::ValueUse::ReadInOrder; }

  std::uint64_t written() const { return written_; }

 private:
  std::string scenario_;
  const core::CellLayout layout_;
  std::uint64_t draws_ = 0;
  std::uint64_t written_ = 0;
  std::vector<Series> series_;
  std::vector<double> buffer_;  // reused: grows on the first chunk only
  std::size_t value_bytes_ = 8;
  int writeback_fd_ = -1;
  std::uint64_t unsynced_ = 0;  // path bytes written since the last start_writeback
};

// The scenario being written. Declared after the file in Impl, so its HDF5
// handles close before the file does.
struct ScenarioState {
  std::string name;
  std::vector<int> years;
  std::vector<std::string> sector_ids;
  h5::Group group;
  std::unique_ptr<PathSink> sink;
  bool ended = false;
};

}  // namespace

struct ResultsWriter::Impl {
  std::string path;
  std::string temp_path;
  bool overwrite = false;
  RunMeta meta;
  std::optional<h5::File> file;  // first member: destroyed last
  std::optional<h5::Group> scenarios;
  std::optional<h5::Group> comparisons;  // /comparison, created by the first comparison
  std::optional<ScenarioState> current;
  std::vector<std::string> written;
  std::vector<std::string> inputs;  // the scenario files read: never replaced by commit()
  // Years and sectors of each scenario begun, for the comparisons written against them.
  std::map<std::string, std::pair<std::vector<int>, std::vector<std::string>>> axes;
  bool committed = false;
  int writeback_fd = -1;  // the temporary file, read-only: for start_writeback

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  // Without a commit, abandons the temporary file; this also runs when the
  // writer's constructor throws. Objects close first (a failed chunk flush
  // still releases them), then the file is discarded and deleted.
  ~Impl() {
    if (writeback_fd >= 0) ::close(writeback_fd);
    if (committed) return;
    current.reset();
    comparisons.reset();
    scenarios.reset();
    if (file) file->discard();
    file.reset();
    if (!temp_path.empty()) std::remove(temp_path.c_str());
  }

  void require_open(const char* call) const {
    if (!file) throw IoError(path + ": " + call + " after the file was committed or failed");
  }
};

ResultsWriter::ResultsWriter(std::string path, bool overwrite, RunMeta meta)
    : impl_(std::make_unique<Impl>()) {
  Impl& w = *impl_;
  w.path = std::move(path);
  w.overwrite = overwrite;
  w.meta = std::move(meta);
  if (w.path.empty()) throw IoError("results file: empty path");
  // Not a device, a directory or (without overwrite) an existing file; the
  // directory exists and takes a new file (engine/io/output_target.hpp).
  check_output_target(w.path, {}, overwrite);
  w.temp_path = temporary_path(w.path, ::getpid());

  w.file = h5::File::create(w.temp_path);
  w.writeback_fd = ::open(w.temp_path.c_str(), O_RDONLY | O_CLOEXEC);
  const h5::File& f = *w.file;
  f.set_attribute("filetype", FILETYPE);
  f.set_attribute("format_version",
                  std::to_string(FORMAT_MAJOR) + "." + std::to_string(FORMAT_MINOR));
  f.set_attribute("format_major", std::int32_t{FORMAT_MAJOR});
  f.set_attribute("format_minor", std::int32_t{FORMAT_MINOR});
  f.set_attribute("engine_version",
                  w.meta.engine_version.empty() ? core::ENGINE_VERSION : w.meta.engine_version);
  f.set_attribute("created_utc", utc_now());
  f.set_attribute("command_line", w.meta.command_line);
  f.set_attribute("seed", w.meta.seed);
  f.set_attribute("generator", w.meta.generator);
  f.set_attribute("chunk_draws", w.meta.chunk_draws);
  f.set_attribute("processes", w.meta.processes);
  w.scenarios = f.create_group("scenarios");
}

ResultsWriter::~ResultsWriter() = default;

const std::string& ResultsWriter::path() const {
  return impl_->path;
}

core::ChunkSink* ResultsWriter::begin_scenario(const core::ScenarioSpec& spec,
                                               const core::CellLayout& layout, std::uint64_t draws,
                                               const PathOptions& opts) {
  Impl& w = *impl_;
  w.require_open("begin_scenario");
  if (w.current && !w.current->ended) {
    throw IoError(w.path + ": scenario '" + w.current->name + "' was begun but not ended");
  }
  check_scenario_name(spec.name);
  if (std::find(w.written.begin(), w.written.end(), spec.name) != w.written.end()) {
    throw IoError(w.path + ": scenario '" + spec.name + "' is already in the file");
  }
  if (layout.n_years() != spec.n_years() || layout.n_sectors() != spec.n_sectors()) {
    throw IoError("scenario '" + spec.name + "': cell layout has " +
                  std::to_string(layout.n_years()) + " years and " +
                  std::to_string(layout.n_sectors()) + " sectors, the scenario " +
                  std::to_string(spec.n_years()) + " and " + std::to_string(spec.n_sectors()));
  }
  w.current.reset();
  w.written.push_back(spec.name);
  for (const core::SourceFile& source : spec.files)
    w.inputs.push_back(source.path);

  ScenarioState& s = w.current.emplace();
  s.name = spec.name;
  for (int y = spec.base_year; y <= spec.end_year; ++y)
    s.years.push_back(y);
  std::vector<std::string> names_en, names_zh;
  for (const core::SectorSpec& sector : spec.sectors) {
    s.sector_ids.push_back(sector.id);
    names_en.push_back(sector.name_en);
    names_zh.push_back(sector.name_zh);
  }

  s.group = w.scenarios->create_group(spec.name);
  const h5::Group& g = s.group;
  g.set_attribute("title_en", spec.title_en);
  g.set_attribute("title_zh", spec.title_zh);
  g.set_attribute("description", spec.description);
  g.set_attribute("model", spec.model);
  g.set_attribute("base_year", std::int32_t{spec.base_year});
  g.set_attribute("end_year", std::int32_t{spec.end_year});
  g.set_attribute("draws_requested", draws);
  g.set_attribute("draws", std::uint64_t{0});
  g.set_attribute("complete", std::int32_t{0});
  g.set_attribute("scenario_sha256", spec.files.empty() ? "" : sha256_hex(spec.files[0].text));

  const h5::Group input = g.create_group("input");
  for (std::size_t i = 0; i < spec.files.size(); ++i) {
    const core::SourceFile& source = spec.files[i];
    const std::vector<std::string> text{source.text};
    const h5::Dataset file =
        write_variable<std::string>(input, "file_" + std::to_string(i), {}, "", text);
    file.set_attribute("path", source.path);
    file.set_attribute("sha256", sha256_hex(source.text));
  }
  write_provenance_group(g, spec.provenance);

  // Scenario axes. The per-draw paths live in the scenario group itself, so
  // that opening the group gives draw, year and sector with their coordinates;
  // each subgroup below carries its own copies of the coordinates it uses, so
  // that it also opens as a self-contained netCDF-4 dataset.
  const Coord year = write_coordinate(g, "year", s.years, "year");
  const Coord sector = write_coordinate(g, "sector", s.sector_ids, "");
  write_variable(g, "sector_name_en", {&sector}, "", names_en);
  write_variable(g, "sector_name_zh", {&sector}, "", names_zh);
  w.axes[spec.name] = {s.years, s.sector_ids};

  if (!opts.keep_paths) return nullptr;

  const h5::Group& paths = g;
  std::vector<std::uint64_t> draw_ids(draws);
  for (std::uint64_t d = 0; d < draws; ++d)
    draw_ids[d] = d;
  const Coord draw = write_coordinate(paths, "draw", draw_ids, "1");
  draw_ids = {};

  std::vector<PathSink::Series> series;
  for (int i = 0; i < static_cast<int>(layout.series().size()); ++i) {
    const core::SeriesInfo& info = layout.series()[static_cast<std::size_t>(i)];
    if (!info.paths) continue;
    const int cells = layout.n_years() * layout.width(i);
    const hsize_t draw_bytes = static_cast<hsize_t>(cells) * sizeof(double);
    h5::DatasetOptions options;
    options.fill = std::numeric_limits<double>::quiet_NaN();
    if (draws > 0) {
      // Equal chunks no longer than the limits, so the last one is not mostly empty.
      const hsize_t max_rows = std::clamp<hsize_t>(
          PATH_CHUNK_MAX_BYTES / std::max<hsize_t>(draw_bytes, 1), 1, PATH_CHUNK_DRAWS);
      const hsize_t n_chunks = (draws + max_rows - 1) / max_rows;
      const hsize_t rows = (draws + n_chunks - 1) / n_chunks;
      options.chunk = {rows, static_cast<hsize_t>(layout.n_years())};
      if (info.by_sector) options.chunk.push_back(static_cast<hsize_t>(layout.n_sectors()));
      // Room for two chunks: a chunk being filled across sink calls is never evicted.
      options.chunk_cache_bytes = static_cast<std::size_t>(
          std::max<hsize_t>(2 * rows * std::max<hsize_t>(draw_bytes, 1), std::size_t{1} << 20));
    }
    options.deflate = opts.gzip;
    options.shuffle = opts.gzip > 0;
    std::vector<const Coord*> dims{&draw, &year};
    if (info.by_sector) dims.push_back(&sector);
    // float32 paths: HDF5 converts the engine's doubles on write.
    h5::Dataset dataset =
        opts.float32 ? write_variable<float>(paths, info.name, dims, info.units, nullptr, options)
                     : write_variable<double>(paths, info.name, dims, info.units, nullptr, options);
    dataset.set_attribute("storage",
                          std::string(opts.float32 ? "float32" : "float64") +
                              (opts.gzip > 0 ? ", shuffle+gzip level " + std::to_string(opts.gzip)
                                             : ", uncompressed"));
    dataset.set_attribute("description", info.description);
    series.push_back({i, cells, std::move(dataset)});
  }
  const std::size_t expected_chunk =
      static_cast<std::size_t>(std::min<std::uint64_t>(w.meta.chunk_draws, draws));
  s.sink =
      std::make_unique<PathSink>(spec.name, layout, draws, std::move(series), expected_chunk,
                                 opts.float32 ? sizeof(float) : sizeof(double), w.writeback_fd);
  return s.sink.get();
}

void ResultsWriter::write_checkpoint(const core::SummaryState& state) {
  Impl& w = *impl_;
  w.require_open("write_checkpoint");
  if (!w.current || !w.current->ended) {
    throw IoError(w.path + ": write_checkpoint needs a scenario that was ended");
  }
  const h5::Group cp = w.current->group.create_group("checkpoint");
  cp.set_attribute("draws", state.draws);
  // Every dataset carries Fletcher32 checksums (one a chunk of at most 512 Ki
  // values): a damaged checkpoint is refused on resume, never continued.
  auto put = [&](const char* name, const auto& data) {
    using T = typename std::decay_t<decltype(data)>::value_type;
    h5::DatasetOptions options;
    if (!data.empty()) {
      options.chunk = {std::min<hsize_t>(data.size(), hsize_t{1} << 19)};
      options.checksum = true;
    }
    cp.create_dataset<T>(name, {static_cast<hsize_t>(data.size())}, options)
        .write(std::span<const T>(data.data(), data.size()));
  };
  put("chunk_stats", state.chunk_stats);
  put("chunk_counts", state.chunk_counts);
  put("chunk_sizes", state.chunk_sizes);
  put("chunk_nonfinite", state.chunk_nonfinite);
  put("chunk_undefined", state.chunk_undefined);
  if (state.uses_sketch()) {
    put("sketch_index", state.sketch_index);
    put("sketch_items", state.sketch_items);
    put("sketch_error", state.sketch_error);
  } else {
    put("values", state.values);
  }
  if (!state.log_likelihood.empty()) {
    put("log_likelihood", state.log_likelihood);
    put("kept_draws", state.kept_draws);
  }
  if (state.replicates > 0) {
    cp.set_attribute("replicates", std::int32_t{state.replicates});
    put("replicate_sums", state.replicate_sums);
    put("replicate_counts", state.replicate_counts);
  }
  w.file->flush();
}

void ResultsWriter::end_scenario(const core::ScenarioResult& result) {
  Impl& w = *impl_;
  w.require_open("end_scenario");
  if (!w.current || w.current->ended) {
    throw IoError(w.path + ": end_scenario('" + result.name + "') without begin_scenario");
  }
  ScenarioState& s = *w.current;
  const std::string where = w.path + ": scenario '" + s.name + "'";
  if (result.name != s.name) {
    throw IoError(where + ": end_scenario got the result of '" + result.name + "'");
  }
  if (result.years != s.years || result.sector_ids != s.sector_ids) {
    throw IoError(where + ": the result's years or sectors differ from the scenario's");
  }
  if (s.sink && s.sink->written() != result.draws) {
    throw IoError(where + ": the paths hold " + std::to_string(s.sink->written()) +
                  " draws but the result " + std::to_string(result.draws));
  }
  const std::size_t n_years = s.years.size();
  const std::size_t n_sectors = s.sector_ids.size();
  for (const core::SeriesSummary& series : result.summaries) {
    const std::size_t expected = core::N_STATS * n_years * (series.info.by_sector ? n_sectors : 1);
    if (series.stats.size() != expected) {
      throw IoError(where + ": summary of '" + series.info.name + "' has " +
                    std::to_string(series.stats.size()) + " values, expected " +
                    std::to_string(expected));
    }
  }
  for (const core::TargetResult& target : result.targets) {
    if (target.by_year.size() != n_years) {
      throw IoError(where + ": target '" + target.spec.id + "' has " +
                    std::to_string(target.by_year.size()) + " yearly results, expected " +
                    std::to_string(n_years));
    }
  }
  // Write the cached path chunks now: closing a dataset cannot report a failed write.
  w.file->flush();
  s.sink.reset();

  const h5::Group& g = s.group;
  g.set_attribute("draws_requested", result.draws_requested);
  g.set_attribute("draws", result.draws);
  g.set_attribute("complete", std::int32_t{result.draws >= result.draws_requested ? 1 : 0});
  g.set_attribute("seed", result.seed);
  g.set_attribute("sampler", core::sampler_name(result.sampler));
  g.set_attribute("quantile_method", result.quantile_method);

  const h5::Group summary = g.create_group("summary");
  const Coord stat = write_coordinate(summary, "stat", stat_names(), "");
  const Coord year = write_coordinate(summary, "year", s.years, "year");
  const Coord sector = write_coordinate(summary, "sector", s.sector_ids, "");
  for (const core::SeriesSummary& series : result.summaries) {
    std::vector<const Coord*> dims{&stat, &year};
    if (series.info.by_sector) dims.push_back(&sector);
    write_variable(summary, series.info.name, dims, series.info.units, series.stats)
        .set_attribute("description", series.info.description);
  }

  // Draws whose value was not finite, cell by cell (all zero in a healthy
  // run); the statistics of a cell with any are NaN.
  const h5::Group bad = g.create_group("nonfinite");
  bad.set_attribute("cells", result.nonfinite_cells());
  bad.set_attribute("description",
                    std::string("draws whose value was NaN or +-inf; a cell with any has NaN "
                                "statistics in summary/"));
  const Coord bad_year = write_coordinate(bad, "year", s.years, "year");
  const Coord bad_sector = write_coordinate(bad, "sector", s.sector_ids, "");
  for (const core::SeriesSummary& series : result.summaries) {
    const std::size_t cells = n_years * (series.info.by_sector ? n_sectors : 1);
    std::vector<std::uint64_t> counts = series.nonfinite;
    if (counts.empty()) counts.assign(cells, 0);
    if (counts.size() != cells) {
      throw IoError(where + ": non-finite counts of '" + series.info.name + "' have " +
                    std::to_string(counts.size()) + " values, expected " + std::to_string(cells));
    }
    std::vector<const Coord*> dims{&bad_year};
    if (series.info.by_sector) dims.push_back(&bad_sector);
    write_variable(bad, series.info.name, dims, "count", counts);
  }

  if (!result.mean_std_error.empty()) {
    // Sobol runs: the honest error of each mean, from the scrambled replicates.
    const h5::Group err = g.create_group("mean_std_error");
    err.set_attribute("replicates", static_cast<std::int32_t>(result.replicates));
    const Coord err_year = write_coordinate(err, "year", s.years, "year");
    const Coord err_sector = write_coordinate(err, "sector", s.sector_ids, "");
    for (const core::SeriesSummary& series : result.mean_std_error) {
      const std::size_t expected = n_years * (series.info.by_sector ? n_sectors : 1);
      if (series.stats.size() != expected) {
        throw IoError(where + ": standard errors of '" + series.info.name + "' have " +
                      std::to_string(series.stats.size()) + " values, expected " +
                      std::to_string(expected));
      }
      std::vector<const Coord*> dims{&err_year};
      if (series.info.by_sector) dims.push_back(&err_sector);
      write_variable(err, series.info.name, dims, series.info.units, series.stats)
          .set_attribute("description", "standard error of the mean of " + series.info.name +
                                            " from " + std::to_string(result.replicates) +
                                            " scrambled Sobol replicates");
    }
  }

  const h5::Group targets = g.create_group("targets");
  std::vector<std::string> ids, indicators, ops, labels_en, labels_zh, units;
  std::vector<std::int32_t> target_years, relative_years;
  std::vector<double> thresholds, probability, ci_low, ci_high;
  std::vector<std::uint64_t> met, n;
  std::vector<double> probability_by_year, ci_low_by_year, ci_high_by_year;
  std::vector<std::uint64_t> met_by_year, n_by_year, undefined, undefined_by_year;
  for (const core::TargetResult& target : result.targets) {
    const core::TargetSpec& spec = target.spec;
    ids.push_back(spec.id);
    indicators.push_back(spec.indicator);
    ops.push_back(core::op_symbol(spec.op));
    labels_en.push_back(spec.label_en);
    labels_zh.push_back(spec.label_zh);
    units.push_back(target_units(spec, result.summaries));
    target_years.push_back(spec.year);
    relative_years.push_back(spec.relative_to_year.value_or(0));
    thresholds.push_back(spec.threshold);
    probability.push_back(target.in_year.p);
    ci_low.push_back(target.in_year.low);
    ci_high.push_back(target.in_year.high);
    met.push_back(target.in_year.met);
    n.push_back(target.in_year.n);
    undefined.push_back(target.in_year.undefined);
    for (const core::Proportion& p : target.by_year) {
      undefined_by_year.push_back(p.undefined);
      probability_by_year.push_back(p.p);
      ci_low_by_year.push_back(p.low);
      ci_high_by_year.push_back(p.high);
      met_by_year.push_back(p.met);
      n_by_year.push_back(p.n);
    }
  }
  const Coord target = write_coordinate(targets, "target", ids, "");
  const Coord target_year_axis = write_coordinate(targets, "year", s.years, "year");
  const std::vector<const Coord*> by_target{&target};
  const std::vector<const Coord*> by_target_year{&target, &target_year_axis};
  write_variable(targets, "id", by_target, "", ids);
  write_variable(targets, "indicator", by_target, "", indicators);
  write_variable(targets, "op", by_target, "", ops);
  write_variable(targets, "label_en", by_target, "", labels_en);
  write_variable(targets, "label_zh", by_target, "", labels_zh);
  write_variable(targets, "threshold_units", by_target, "", units);
  write_variable(targets, "target_year", by_target, "year", target_years);
  write_variable(targets, "relative_to_year", by_target, "year", relative_years);
  write_variable(targets, "threshold", by_target, "see threshold_units", thresholds);
  write_variable(targets, "probability", by_target, "1", probability);
  write_variable(targets, "ci_low", by_target, "1", ci_low);
  write_variable(targets, "ci_high", by_target, "1", ci_high);
  write_variable(targets, "met", by_target, "count", met);
  write_variable(targets, "n", by_target, "count", n);
  write_variable(targets, "undefined", by_target, "count", undefined);
  write_variable(targets, "probability_by_year", by_target_year, "1", probability_by_year);
  write_variable(targets, "ci_low_by_year", by_target_year, "1", ci_low_by_year);
  write_variable(targets, "ci_high_by_year", by_target_year, "1", ci_high_by_year);
  write_variable(targets, "met_by_year", by_target_year, "count", met_by_year);
  write_variable(targets, "n_by_year", by_target_year, "count", n_by_year);
  write_variable(targets, "undefined_by_year", by_target_year, "count", undefined_by_year);
  targets.set_attribute("joint_probability", result.all_targets.p);
  targets.set_attribute("joint_ci_low", result.all_targets.low);
  targets.set_attribute("joint_ci_high", result.all_targets.high);
  targets.set_attribute("joint_met", result.all_targets.met);
  targets.set_attribute("joint_n", result.all_targets.n);

  s.ended = true;
}

void ResultsWriter::write_comparison(const core::Comparison& c) {
  Impl& w = *impl_;
  w.require_open("write_comparison");
  if (w.current && !w.current->ended) {
    throw IoError(w.path + ": write_comparison while scenario '" + w.current->name +
                  "' is begun but not ended");
  }
  const std::string where =
      w.path + ": comparison of '" + c.scenario + "' against '" + c.baseline + "'";
  for (const std::string* name : {&c.scenario, &c.baseline}) {
    if (!w.axes.contains(*name)) {
      throw IoError(where + ": scenario '" + *name + "' is not in the file; write it first");
    }
  }
  if (c.scenario == c.baseline) throw IoError(where + ": a scenario compared with itself");
  if (w.axes.at(c.scenario) != w.axes.at(c.baseline)) {
    throw IoError(where + ": the scenarios have different years or sectors");
  }
  if (!w.comparisons) {
    w.comparisons = w.file->create_group("comparison");
    w.comparisons->set_attribute("baseline", c.baseline);
  } else {
    const std::string baseline = w.comparisons->attribute<std::string>("baseline");
    if (baseline != c.baseline) {
      throw IoError(where + ": the file's comparisons are against '" + baseline +
                    "'; one baseline per file");
    }
    if (w.comparisons->has_link(c.scenario)) {
      throw IoError(where + ": already in the file");
    }
  }
  const auto& [years, sectors] = w.axes.at(c.scenario);
  write_comparison_group(*w.comparisons, c, years, sectors);
}

void ResultsWriter::write_backtest(const std::string& scenario,
                                   const core::BacktestResult& backtest) {
  Impl& w = *impl_;
  w.require_open("write_backtest");
  if (!w.axes.contains(scenario) || (w.current && !w.current->ended)) {
    throw IoError(w.path + ": write_backtest of '" + scenario +
                  "' before the scenario is written and ended");
  }
  if (w.file->has_link("backtest")) throw IoError(w.path + ": /backtest is already written");
  write_backtest_group(*w.file, scenario, backtest);
}

void ResultsWriter::write_conditioning(const std::string& scenario,
                                       const core::ObservationModel& model,
                                       const core::Conditioning& summary,
                                       std::vector<double> log_likelihood,
                                       std::vector<double> weights, std::vector<std::uint64_t> kept,
                                       std::vector<std::string> parameter_names,
                                       const std::function<void(std::uint64_t, double*)>& parameter,
                                       const std::string& observed_world) {
  Impl& w = *impl_;
  w.require_open("write_conditioning");
  if (!w.axes.contains(scenario) || (w.current && !w.current->ended)) {
    throw IoError(w.path + ": write_conditioning of '" + scenario +
                  "' before the scenario is written and ended");
  }
  ConditioningData data;
  data.model = &model;
  data.summary = summary;
  data.log_likelihood = std::move(log_likelihood);
  data.weights = std::move(weights);
  data.parameter_names = std::move(parameter_names);
  data.kept = std::move(kept);
  data.parameters = parameter;
  data.observed_world = observed_world.empty() ? scenario : observed_world;
  write_conditioning_group(w.scenarios->open_group(scenario), data);
}

void ResultsWriter::commit() {
  Impl& w = *impl_;
  w.require_open("commit");
  if (w.current && !w.current->ended) {
    throw IoError(w.path + ": scenario '" + w.current->name + "' was begun but not ended");
  }
  // Flush while every object is open, so that a full disk is reported here, and
  // the closes that follow have nothing left to write.
  w.file->flush();
  w.current.reset();
  w.comparisons.reset();
  w.scenarios.reset();
  w.file->close();
  w.file.reset();

  // The data must be on disk before the rename makes it visible at `path`.
  const int fd = ::open(w.temp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    throw IoError(w.temp_path + ": fsync failed (" + errno_text(error) + ")");
  }
  ::close(fd);
  // Again, now that the inputs are known: never over a device, a directory,
  // an input of the run, or a file that appeared meanwhile (without overwrite).
  check_output_target(w.path, w.inputs, w.overwrite, false);
  if (std::rename(w.temp_path.c_str(), w.path.c_str()) != 0) {
    throw IoError(w.path + ": cannot rename " + w.temp_path + " to it (" + errno_text(errno) + ")");
  }
  w.committed = true;
  // Persist the rename itself; the file is complete either way, so this is best effort.
  const fs::path dir = fs::path(w.path).has_parent_path() ? fs::path(w.path).parent_path() : ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace sectorsim::io
