// Damaged results files and checkpoint sizing (issue #19, defects 8 and 4):
// a byte flipped in a checkpoint is refused, never resumed; flipped bytes in
// the checkpoint, the variable-length string references and the global heap
// end `report` and `run --resume` with a message (exit 1 or 2) or a correct
// result, never a crash; a run whose checkpoint could not fit on disk is
// refused before it starts.
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/io/format.hpp"
#include "engine/io/results_reader.hpp"
#include "engine/run/preflight.hpp"
#include "engine/run/resume.hpp"
#include "engine/run/run.hpp"
#include "models/registry.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

namespace fs = std::filesystem;

const std::string CLI = SECTORSIM_CLI;
const std::string SRC = SECTORSIM_SOURCE_DIR;
const std::string SCENARIO = SRC + "/scenarios/luohu/plan-2022-2025.yaml";
const std::string NAME = "plan-2022-2025";
const std::string GROUP = "/scenarios/" + NAME;
constexpr std::uint64_t DRAWS = 4 * core::CHUNK_DRAWS;

using Exit = testing::ShellResult;
using testing::sh;

run::RunOptions settings(const std::string& out) {
  run::RunOptions o;
  o.overrides.draws = DRAWS;
  o.overrides.seed = 17;
  o.overrides.sampler = core::Sampler::MonteCarlo;
  o.quantiles = run::Quantiles::Exact;
  o.execution.threads = 1;
  o.output.file = out;
  return o;
}

std::vector<unsigned char> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Where a dataset's bytes lie in the file: its first chunk (chunked) or its
// contiguous storage. {0, 0} when it has none.
struct Span {
  std::uint64_t at = 0, size = 0;
};

Span storage(const std::string& file, const std::string& dataset) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Span span;
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return span;
  const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  if (d >= 0) {
    const hid_t dcpl = H5Dget_create_plist(d);
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
      const hid_t space = H5Dget_space(d);
      hsize_t offset[1] = {0};
      unsigned mask = 0;
      haddr_t addr = 0;
      hsize_t size = 0;
      if (H5Dget_chunk_info(d, space, 0, offset, &mask, &addr, &size) >= 0) span = {addr, size};
      H5Sclose(space);
    } else {
      const haddr_t addr = H5Dget_offset(d);
      if (addr != HADDR_UNDEF) span = {addr, H5Dget_storage_size(d)};
    }
    H5Pclose(dcpl);
    H5Dclose(d);
  }
  H5Fclose(f);
  return span;
}

// Rewrites a uint64 checkpoint dataset through HDF5 (valid checksums).
void rewrite(const std::string& file, const std::string& dataset, std::size_t index,
             std::uint64_t value) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  ASSERT_GE(d, 0);
  const hid_t space = H5Dget_space(d);
  std::vector<std::uint64_t> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  ASSERT_GE(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  values.at(index) = value;
  ASSERT_GE(H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
}

std::string io_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const io::IoError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not an IoError: ") + e.what();
  }
  return "no error";
}

class Damage : public testing::ScratchDirTest {
 protected:
  // An interrupted run of the plan with paths and exact quantiles, stopped
  // after its first chunk.
  void interrupted(const std::string& out) {
    std::atomic<bool> stop{false};
    run::RunOptions o = settings(out);
    o.execution.stop = &stop;
    o.execution.progress = [&](std::uint64_t done, std::uint64_t) {
      if (done >= core::CHUNK_DRAWS) stop = true;
    };
    const run::RunOutcome part = run::run_scenario(models::load_scenario(SCENARIO), o);
    ASSERT_TRUE(part.interrupted);
    ASSERT_GT(part.draws_done, 0u);
    ASSERT_LT(part.draws_done, DRAWS);
  }
};

TEST_F(Damage, FlippedByteInChunkSizesIsRefused) {
  const std::string out = file("run.h5");
  ASSERT_NO_FATAL_FAILURE(interrupted(out));
  const auto spec = models::load_scenario(SCENARIO);
  const std::string copy = file("flipped.h5");

  // A flipped bit: 4096 draws read as 4097. The Fletcher32 checksum refuses it.
  const Span sizes = storage(out, GROUP + "/checkpoint/chunk_sizes");
  ASSERT_GT(sizes.size, 0u);
  auto data = bytes_of(out);
  data.at(sizes.at) ^= 0x01;
  write_bytes(copy, data);
  const std::string damaged =
      copy + ": the checkpoint of scenario '" + NAME + "' is damaged and cannot be resumed (";
  EXPECT_EQ(io_error([&] { run::plan_resume(copy, spec); }).rfind(damaged, 0), 0u)
      << io_error([&] { run::plan_resume(copy, spec); });
  EXPECT_NE(io_error([&] { run::plan_resume(copy, spec); }).find("Fletcher32"), std::string::npos)
      << io_error([&] { run::plan_resume(copy, spec); });
  const Exit cli = sh(CLI + " run " + SCENARIO + " --resume " + copy + " -q");
  EXPECT_TRUE(cli.exited) << cli.out;
  EXPECT_EQ(cli.status, 1) << cli.out;
  EXPECT_NE(cli.out.find(damaged), std::string::npos) << cli.out;
  EXPECT_EQ(bytes_of(copy), data) << "the damaged file was replaced";

  // Rewritten with valid checksums but inconsistent: the consistency checks refuse it.
  fs::copy_file(out, copy, fs::copy_options::overwrite_existing);
  rewrite(copy, GROUP + "/checkpoint/chunk_sizes", 0, core::CHUNK_DRAWS - 1);
  EXPECT_EQ(io_error([&] { run::plan_resume(copy, spec); }),
            damaged + "chunk 0 holds 4095 draws, not 4096)");
  fs::copy_file(out, copy, fs::copy_options::overwrite_existing);
  rewrite(copy, GROUP + "/checkpoint/chunk_counts", 0, 5000);
  EXPECT_EQ(io_error([&] { run::plan_resume(copy, spec); }),
            damaged + "chunk 0 counts 5000 of its 4096 draws)");
  fs::copy_file(out, copy, fs::copy_options::overwrite_existing);
  rewrite(copy, GROUP + "/checkpoint/chunk_sizes", 0, 0);
  EXPECT_EQ(io_error([&] { run::plan_resume(copy, spec); }),
            damaged + "chunk 0 holds 0 draws, not 4096)");
}

TEST_F(Damage, FlippedBytesEndInAMessageOrACorrectResultNeverACrash) {
  const std::string out = file("run.h5");
  ASSERT_NO_FATAL_FAILURE(interrupted(out));
  // The uninterrupted run, for what a successful resume must give.
  const run::RunOutcome whole =
      run::run_scenario(models::load_scenario(SCENARIO), settings(file("whole.h5")));
  ASSERT_FALSE(whole.interrupted);

  struct Flip {
    std::string where;
    std::uint64_t at;
    unsigned char mask;
  };
  std::vector<Flip> flips;
  // Checkpoint data: sizes, counts, chunk records, values.
  for (const char* name : {"chunk_sizes", "chunk_counts", "chunk_stats", "values"}) {
    const Span s = storage(out, GROUP + "/checkpoint/" + name);
    ASSERT_GE(s.size, 8u) << name;
    flips.push_back({std::string("checkpoint/") + name + " byte 0", s.at, 0x01});
    flips.push_back({std::string("checkpoint/") + name + " byte 6", s.at + 6, 0x20});
  }
  // Variable-length string references (length, heap address, object index).
  for (const char* name : {"sector", "sector_name_en", "sector_name_zh", "summary/stat"}) {
    const Span s = storage(out, GROUP + "/" + name);
    ASSERT_GE(s.size, 32u) << name;
    for (const std::uint64_t byte : {0u, 4u, 5u, 6u, 12u, 16u + 12u}) {
      for (const int mask : {0x01, 0x40}) {
        flips.push_back({std::string(name) + " reference byte " + std::to_string(byte), s.at + byte,
                         static_cast<unsigned char>(mask)});
      }
    }
  }
  // The global heap: the first two collections' headers and first objects.
  const auto original = bytes_of(out);
  std::vector<std::uint64_t> heaps;
  for (std::size_t i = 0; i + 4 <= original.size() && heaps.size() < 2; ++i) {
    if (std::memcmp(original.data() + i, "GCOL", 4) == 0) heaps.push_back(i);
  }
  ASSERT_FALSE(heaps.empty());
  for (const std::uint64_t heap : heaps) {
    for (const std::uint64_t byte : {0u, 4u, 8u, 9u, 10u, 16u, 17u, 24u, 25u, 26u, 32u, 40u}) {
      flips.push_back(
          {"heap at " + std::to_string(heap) + " byte " + std::to_string(byte), heap + byte, 0x08});
    }
  }

  const std::string copy = file("flipped.h5");
  for (const Flip& flip : flips) {
    SCOPED_TRACE(flip.where);
    auto data = original;
    ASSERT_LT(flip.at, data.size());
    data[flip.at] ^= flip.mask;
    write_bytes(copy, data);
    const Exit report = sh(CLI + " report " + copy + " -o " + file("r.html") + " --overwrite");
    EXPECT_TRUE(report.exited) << report.out;
    EXPECT_TRUE(report.status == 0 || report.status == 1 || report.status == 2) << report.out;
    if (report.status != 0) {
      EXPECT_NE(report.out.find(copy), std::string::npos) << report.out;
    }

    const Exit resume = sh(CLI + " run " + SCENARIO + " --resume " + copy + " -q -t 1");
    EXPECT_TRUE(resume.exited) << resume.out;
    EXPECT_TRUE(resume.status == 0 || resume.status == 1 || resume.status == 2) << resume.out;
    if (resume.status == 0) {
      // Resumed: the summaries must be the uninterrupted run's.
      const core::ScenarioResult got = io::read_scenario(copy, NAME);
      ASSERT_EQ(got.summaries.size(), whole.result.summaries.size());
      for (std::size_t i = 0; i < got.summaries.size(); ++i) {
        const auto& a = got.summaries[i].stats;
        const auto& b = whole.result.summaries[i].stats;
        EXPECT_TRUE(a.size() == b.size() &&
                    std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0)
            << got.summaries[i].info.name;
      }
      EXPECT_EQ(got.all_targets.met, whole.result.all_targets.met);
    } else {
      EXPECT_NE(resume.out.find(copy), std::string::npos) << resume.out;
    }
  }
}

TEST(CheckpointSpace, RefusedUpFrontWithTheFiguresAndTheSketchRemedy) {
  // Issue 19, D4: a 130,000-draw run with paths and an exact-quantile
  // checkpoint on a nearly full filesystem (sizes from the plan's layout).
  run::AvailableResources disk;
  disk.disk_known = true;
  disk.disk_bytes = 200u << 20;
  const std::uint64_t draws = 130000;
  const std::uint64_t paths = 1450;
  const std::uint64_t exact = draws * 4300;
  try {
    run::check_checkpoint_space(draws, paths, exact, 3u << 20, "out/R.h5", disk);
    ADD_FAILURE() << "not refused";
  } catch (const run::ResourceError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "out/R.h5: if interrupted, the run keeps its draws in a checkpoint of up to 533.1 MiB "
        "beside its paths, a file of about 716.9 MiB, but out has 200.0 MiB free; use "
        "--quantiles sketch (a checkpoint of about 3.0 MiB), --no-paths, fewer --draws, or "
        "free space in out");
  }
  // Already sketched (or sketches would not fit either): not suggested.
  try {
    run::check_checkpoint_space(draws, 0, exact, 0, "R.h5", disk);
    ADD_FAILURE() << "not refused";
  } catch (const run::ResourceError& e) {
    EXPECT_EQ(std::string(e.what()).find("--quantiles"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--no-paths"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("free space in ."), std::string::npos) << e.what();
  }
  // What fits passes; an unknown amount of space is not checked.
  disk.disk_bytes = std::uint64_t{1} << 30;
  EXPECT_NO_THROW(run::check_checkpoint_space(draws, paths, exact, 3u << 20, "R.h5", disk));
  disk.disk_known = false;
  disk.disk_bytes = 0;
  EXPECT_NO_THROW(run::check_checkpoint_space(draws, paths, exact, 3u << 20, "R.h5", disk));
}

}  // namespace
}  // namespace sectorsim
