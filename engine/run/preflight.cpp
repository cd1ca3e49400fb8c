#include "engine/run/preflight.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/exec/runner.hpp"
#include "engine/stats/summary.hpp"

namespace sectorsim::run {
namespace {

// The directory the results file goes to, as shown in messages.
std::string output_directory(const std::string& out_path) {
  const std::filesystem::path dir = std::filesystem::path(out_path).parent_path();
  return dir.empty() ? "." : dir.string();
}

// a * b + c, saturating: --draws may be any 64-bit number.
std::uint64_t saturating_size(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t product = 0;
  std::uint64_t sum = 0;
  if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(product, c, &sum)) {
    return UINT64_MAX;
  }
  return sum;
}

std::string amount(std::uint64_t bytes) {
  return bytes == UINT64_MAX ? "more than 16 EiB" : human_bytes(bytes);
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}

AvailableResources available_resources(const std::string& out_path) {
  AvailableResources a;
  struct statvfs fs {};
  // A missing or unreadable directory is left to the writer, whose error
  // names the real problem.
  if (::statvfs(output_directory(out_path).c_str(), &fs) == 0) {
    a.disk_known = true;
    a.disk_bytes = saturating_size(fs.f_bavail, fs.f_frsize, 0);
    a.disk_read_only = (fs.f_flag & ST_RDONLY) != 0;
  }
  a.memory_bytes = available_memory_bytes();
  a.memory_known = a.memory_bytes > 0;
  return a;
}

std::uint64_t runner_bytes(const core::Model& model, int thread_count, int process_count,
                           std::size_t batch_draws, std::uint64_t chunk_draws) {
  const auto threads = static_cast<std::uint64_t>(std::max(thread_count, 1));
  const auto processes = static_cast<std::uint64_t>(std::max(process_count, 1));
  const auto cells = static_cast<std::uint64_t>(model.layout().n_cells());
  const std::uint64_t chunk_bytes = saturating_size(cells, chunk_draws * sizeof(double), 0);
  const std::uint64_t window =
      core::reorder_window(core::threads_at_once(thread_count) * processes, chunk_bytes);
  // A chunk in flight holds one buffer; a thread computing holds its own.
  const std::uint64_t buffers = saturating_size(window + threads, chunk_bytes, 0);
  const std::uint64_t batch = batch_draws;
  const std::uint64_t inputs =
      (model.parameters().size() + static_cast<std::uint64_t>(model.n_shocks())) * batch +
      model.workspace_size(static_cast<std::size_t>(batch));
  return saturating_size(threads, inputs * sizeof(double), buffers);
}

void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path, bool sketch_option,
                     const RunnerMemory& runner) {
  check_resources(draws, path_bytes_per_draw, summary_bytes, out_path,
                  available_resources(out_path), sketch_option, runner);
}

void check_resources(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                     std::uint64_t summary_bytes, const std::string& out_path,
                     const AvailableResources& available, bool sketch_option,
                     const RunnerMemory& runner) {
  // Memory first: it fails harder (the kernel kills the run) and
  // --no-paths does not help it.
  const std::uint64_t memory = saturating_size(1, summary_bytes, runner.bytes);
  // The summaries alone too large: said as before; else the runner's part
  // is what tips it, and the message names both.
  const std::uint64_t limit = available.memory_bytes / 5 * 4;
  if (available.memory_known && summary_bytes <= limit && memory > limit) {
    const int threads = std::max(runner.threads, 1);
    std::string remedies;
    if (runner.bytes > memory / 4 && threads > 1) remedies += "fewer --threads, ";
    if (sketch_option) remedies += "--quantiles sketch, ";
    remedies += "fewer --draws";
    throw ResourceError("the run needs about " + amount(memory) + " of memory (summaries of " +
                        std::to_string(draws) + " draws " + amount(summary_bytes) +
                        ", chunk buffers and inputs of " + std::to_string(threads) +
                        (threads == 1 ? " thread " : " threads ") + amount(runner.bytes) +
                        "), more than 80% of the " + human_bytes(available.memory_bytes) +
                        " available; use " + remedies + " or free memory");
  }
  if (available.memory_known && summary_bytes > available.memory_bytes / 5 * 4) {
    throw ResourceError("the summaries of " + std::to_string(draws) + " draws need " +
                        amount(summary_bytes) + " of memory, more than 80% of the " +
                        human_bytes(available.memory_bytes) + " available; use " +
                        (sketch_option ? "--quantiles sketch, fewer --draws," : "fewer --draws") +
                        " or free memory");
  }
  if (available.disk_known && available.disk_read_only) {
    const std::string dir = output_directory(out_path);
    throw ResourceError(out_path + ": " + dir +
                        " is on a read-only file system; write elsewhere with -o");
  }
  const std::uint64_t file_bytes =
      saturating_size(draws, path_bytes_per_draw, RESULTS_OVERHEAD_BYTES);
  if (available.disk_known && file_bytes > available.disk_bytes) {
    const std::string dir = output_directory(out_path);
    throw ResourceError(out_path + ": the results need about " + amount(file_bytes) + " but " +
                        dir + " has " + human_bytes(available.disk_bytes) + " free; " +
                        (path_bytes_per_draw > 0
                             ? "use --no-paths, fewer --draws, or free space in " + dir
                             : "free space in " + dir + " or write elsewhere with -o"));
  }
}

void check_checkpoint_space(std::uint64_t draws, std::uint64_t path_bytes_per_draw,
                            std::uint64_t checkpoint_bytes, std::uint64_t sketch_checkpoint_bytes,
                            const std::string& out_path, const AvailableResources& available) {
  if (!available.disk_known) return;
  const std::uint64_t paths = saturating_size(draws, path_bytes_per_draw, RESULTS_OVERHEAD_BYTES);
  const std::uint64_t interrupted = saturating_size(1, paths, checkpoint_bytes);
  if (interrupted <= available.disk_bytes) return;
  const std::string dir = output_directory(out_path);
  std::string remedies = "use ";
  const std::uint64_t sketched = saturating_size(1, paths, sketch_checkpoint_bytes);
  if (sketch_checkpoint_bytes > 0 && sketched <= available.disk_bytes) {
    remedies +=
        "--quantiles sketch (a checkpoint of about " + amount(sketch_checkpoint_bytes) + "), ";
  }
  if (path_bytes_per_draw > 0) remedies += "--no-paths, ";
  remedies += "fewer --draws, or free space in " + dir;
  throw ResourceError(
      out_path + ": if interrupted, the run keeps its draws in a checkpoint of up " + "to " +
      amount(checkpoint_bytes) + " beside its paths, a file of about " + amount(interrupted) +
      ", but " + dir + " has " + human_bytes(available.disk_bytes) + " free; " + remedies);
}

std::uint64_t path_bytes_per_draw(const core::CellLayout& layout, bool float32) {
  std::uint64_t cells = 0;
  for (std::size_t i = 0; i < layout.series().size(); ++i) {
    if (layout.series()[i].paths) {
      cells += static_cast<std::uint64_t>(layout.n_years() * layout.width(static_cast<int>(i)));
    }
  }
  return cells * (float32 ? 4 : 8);
}

Quantiles parse_quantiles(const std::string& name) {
  if (name == "auto") return Quantiles::Auto;
  if (name == "exact") return Quantiles::Exact;
  if (name == "sketch") return Quantiles::Sketch;
  throw InputError("--quantiles must be exact, sketch or auto (got '" + name + "')");
}

std::uint64_t exact_store_budget(std::uint64_t available_memory) {
  constexpr std::uint64_t CAP = std::uint64_t{1} << 31;
  return std::min<std::uint64_t>(available_memory ? available_memory / 4 : CAP, CAP);
}

bool use_sketch(Quantiles mode, const core::CellLayout& layout, std::uint64_t draws,
                std::uint64_t stores) {
  // Free memory is read only where the choice depends on it.
  return use_sketch(mode, layout, draws, stores,
                    mode == Quantiles::Auto ? available_memory_bytes() : 0);
}

bool use_sketch(Quantiles mode, const core::CellLayout& layout, std::uint64_t draws,
                std::uint64_t stores, std::uint64_t available_memory) {
  if (mode != Quantiles::Auto) return mode == Quantiles::Sketch;
  return core::SummaryAccumulator::store_bytes(layout, draws) * stores >
         exact_store_budget(available_memory);
}

}  // namespace sectorsim::run
