#include "engine/io/discover_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <span>

#include "engine/io/atomic_file.hpp"
#include "engine/io/csv.hpp"
#include "engine/io/file_header.hpp"
#include "engine/io/format.hpp"
#include "engine/io/h5_file.hpp"
#include "engine/io/output_target.hpp"
#include "engine/spec/version.hpp"

namespace sectorsim::io {

namespace fs = std::filesystem;

namespace {

template <class T>
void write_vector(const h5::Group& g, const std::string& name, const std::vector<T>& v,
                  const char* units) {
  const h5::Dataset ds = g.create_dataset<T>(name, {v.size()});
  ds.write(std::span<const T>(v));
  ds.set_attribute("units", units);
}

void write_contents(const h5::File& f, const core::Discovery& d, const std::string& command_line) {
  write_file_header(f, DISCOVERY_FILETYPE, command_line);
  f.set_attribute("seed", d.seed);
  const h5::Group top = f.create_group("discover");
  const h5::Group g = top.create_group(d.target);
  const core::PrimResult& r = d.result;
  g.set_attribute("scenario", d.scenario);
  g.set_attribute("target", d.target);
  g.set_attribute("target_label", d.target_label);
  g.set_attribute("condition", d.condition);
  g.set_attribute("cases_are", d.meet ? "meet" : "miss");
  g.set_attribute("draws", d.draws);
  g.set_attribute("seed", d.seed);
  g.set_attribute("sampler", d.sampler);
  g.set_attribute("alpha", d.options.alpha);
  g.set_attribute("min_mass", d.options.min_mass);
  g.set_attribute("min_coverage", d.options.min_coverage);
  g.set_attribute("min_removed", d.options.min_removed);
  g.set_attribute("pasted", static_cast<std::int32_t>(d.options.paste ? 1 : 0));
  g.set_attribute("cases", static_cast<std::uint64_t>(r.cases));
  g.set_attribute("base_density", r.base_density);
  g.set_attribute("chosen_step", static_cast<std::uint64_t>(r.chosen));
  g.set_attribute("coverage", r.box.coverage);
  g.set_attribute("density", r.box.density);
  g.set_attribute("mass", r.box.mass);
  g.set_attribute("resamples", static_cast<std::int32_t>(r.stability.resamples));
  g.set_attribute("heldout_coverage_mean", r.stability.coverage_mean);
  g.set_attribute("heldout_coverage_sd", r.stability.coverage_sd);
  g.set_attribute("heldout_density_mean", r.stability.density_mean);
  g.set_attribute("heldout_density_sd", r.stability.density_sd);

  const h5::Group t = g.create_group("trajectory");
  std::vector<double> coverage, density, mass, low, high;
  std::vector<std::uint64_t> points, cases;
  for (const auto& b : r.trajectory) {
    coverage.push_back(b.coverage);
    density.push_back(b.density);
    mass.push_back(b.mass);
    points.push_back(b.points);
    cases.push_back(b.cases);
    low.insert(low.end(), b.low.begin(), b.low.end());
    high.insert(high.end(), b.high.begin(), b.high.end());
  }
  write_vector(t, "coverage", coverage, "1");
  write_vector(t, "density", density, "1");
  write_vector(t, "mass", mass, "1");
  write_vector(t, "points", points, "draws");
  write_vector(t, "cases", cases, "draws");
  const std::vector<hsize_t> shape = {r.trajectory.size(), d.inputs.size()};
  for (const auto& [name, v] :
       {std::pair<const char*, const std::vector<double>*>{"low", &low}, {"high", &high}}) {
    const h5::Dataset ds = t.create_dataset<double>(name, shape);
    ds.write(std::span<const double>(*v));
    ds.set_attribute("units", "the input's");
    ds.set_attribute("dims", "step,input");
  }

  const h5::Group in = g.create_group("inputs");
  in.create_dataset<std::string>("input", {d.inputs.size()}).write(d.inputs);
  in.create_dataset<std::string>("unit", {d.units.size()}).write(d.units);
  write_vector(in, "restricted_share", r.stability.restricted_share, "1");

  const h5::Group box = g.create_group("box");
  std::vector<std::string> names, units;
  std::vector<double> blow, bhigh;
  for (std::size_t j = 0; j < d.inputs.size(); ++j) {
    if (!r.restricted[j]) continue;
    names.push_back(d.inputs[j]);
    units.push_back(j < d.units.size() ? d.units[j] : "");
    blow.push_back(r.box.low[j]);
    bhigh.push_back(r.box.high[j]);
  }
  box.create_dataset<std::string>("parameter", {names.size()}).write(names);
  box.create_dataset<std::string>("unit", {units.size()}).write(units);
  write_vector(box, "low", blow, "the parameter's");
  write_vector(box, "high", bhigh, "the parameter's");
  std::string conditions;
  for (const auto& c : core::box_conditions(d))
    conditions += (conditions.empty() ? "" : " and ") + c;
  box.set_attribute("conditions", conditions);
}

std::string number(double x) {
  if (!std::isfinite(x)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

}  // namespace

void write_discovery_file(const std::string& path, const core::Discovery& d,
                          const std::vector<std::string>& inputs, bool overwrite,
                          const std::string& command_line) {
  if (path.empty()) throw IoError("discovery file: empty path");
  write_h5_atomically(path, inputs, overwrite,
                      [&](h5::File& f) { write_contents(f, d, command_line); });
}

void write_discovery_csv(const std::string& dir, const core::Discovery& d,
                         const std::vector<std::string>& inputs, bool overwrite) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) throw Refused(dir + ": cannot create the directory (" + ec.message() + ")");
  }
  const std::string trajectory = (fs::path(dir) / "trajectory.csv").string();
  const std::string box = (fs::path(dir) / "box.csv").string();
  check_output_target(trajectory, inputs, overwrite, true, "--csv DIR");
  check_output_target(box, inputs, overwrite, true, "--csv DIR");
  const core::PrimResult& r = d.result;
  std::string text =
      "\xEF\xBB\xBF"
      "step,coverage,density,mass,points,cases,chosen\r\n";
  for (std::size_t s = 0; s < r.trajectory.size(); ++s) {
    const auto& b = r.trajectory[s];
    text += std::to_string(s) + "," + number(b.coverage) + "," + number(b.density) + "," +
            number(b.mass) + "," + std::to_string(b.points) + "," + std::to_string(b.cases) + "," +
            (s == r.chosen ? "1" : "0") + "\r\n";
  }
  write_file_atomically(trajectory, text, overwrite);
  text =
      "\xEF\xBB\xBF"
      "parameter,unit,low,high,restricted_share\r\n";
  for (std::size_t j = 0; j < d.inputs.size(); ++j) {
    if (!r.restricted[j]) continue;
    text += csv_field(d.inputs[j]) + "," + csv_field(j < d.units.size() ? d.units[j] : "") + "," +
            number(r.box.low[j]) + "," + number(r.box.high[j]) + "," +
            number(r.stability.restricted_share[j]) + "\r\n";
  }
  write_file_atomically(box, text, overwrite);
}

std::optional<std::vector<core::Discovery>> read_discoveries(const std::string& path) {
  const h5::File f = h5::File::open_read_only(path);
  if (!f.has_attribute("filetype") || f.attribute<std::string>("filetype") != DISCOVERY_FILETYPE ||
      !f.has_link("discover"))
    return std::nullopt;
  const h5::Group top = f.open_group("discover");
  std::vector<core::Discovery> out;
  for (const auto& name : top.link_names()) {
    const h5::Group g = top.open_group(name);
    core::Discovery d;
    d.scenario = g.attribute<std::string>("scenario");
    d.target = g.attribute<std::string>("target");
    d.target_label = g.attribute<std::string>("target_label");
    d.condition = g.attribute<std::string>("condition");
    d.meet = g.attribute<std::string>("cases_are") == "meet";
    d.draws = g.attribute<std::uint64_t>("draws");
    d.seed = g.attribute<std::uint64_t>("seed");
    d.sampler = g.attribute<std::string>("sampler");
    d.options.alpha = g.attribute<double>("alpha");
    d.options.min_mass = g.attribute<double>("min_mass");
    d.options.min_coverage = g.attribute<double>("min_coverage");
    d.options.min_removed = g.attribute<double>("min_removed");
    d.options.paste = g.attribute<std::int32_t>("pasted") != 0;
    core::PrimResult& r = d.result;
    r.cases = g.attribute<std::uint64_t>("cases");
    r.base_density = g.attribute<double>("base_density");
    r.chosen = g.attribute<std::uint64_t>("chosen_step");
    r.stability.resamples = g.attribute<std::int32_t>("resamples");
    r.stability.coverage_mean = g.attribute<double>("heldout_coverage_mean");
    r.stability.coverage_sd = g.attribute<double>("heldout_coverage_sd");
    r.stability.density_mean = g.attribute<double>("heldout_density_mean");
    r.stability.density_sd = g.attribute<double>("heldout_density_sd");
    const h5::Group in = g.open_group("inputs");
    d.inputs = in.open_dataset("input").read<std::string>();
    d.units = in.open_dataset("unit").read<std::string>();
    r.stability.restricted_share = in.open_dataset("restricted_share").read<double>();
    const std::size_t k = d.inputs.size();
    const h5::Group t = g.open_group("trajectory");
    const auto coverage = t.open_dataset("coverage").read<double>();
    const auto density = t.open_dataset("density").read<double>();
    const auto mass = t.open_dataset("mass").read<double>();
    const auto points = t.open_dataset("points").read<std::uint64_t>();
    const auto cases = t.open_dataset("cases").read<std::uint64_t>();
    const auto low = t.open_dataset("low").read<double>();
    const auto high = t.open_dataset("high").read<double>();
    if (density.size() != coverage.size() || mass.size() != coverage.size() ||
        points.size() != coverage.size() || cases.size() != coverage.size() ||
        low.size() != coverage.size() * k || high.size() != low.size() ||
        r.stability.restricted_share.size() != k || d.units.size() != k ||
        r.chosen >= coverage.size())
      throw IoError(path + ":/discover/" + name + ": datasets of mismatched sizes");
    for (std::size_t s = 0; s < coverage.size(); ++s) {
      core::PrimBox b;
      b.coverage = coverage[s];
      b.density = density[s];
      b.mass = mass[s];
      b.points = points[s];
      b.cases = cases[s];
      b.low.assign(low.begin() + static_cast<std::ptrdiff_t>(s * k),
                   low.begin() + static_cast<std::ptrdiff_t>((s + 1) * k));
      b.high.assign(high.begin() + static_cast<std::ptrdiff_t>(s * k),
                    high.begin() + static_cast<std::ptrdiff_t>((s + 1) * k));
      r.trajectory.push_back(std::move(b));
    }
    const h5::Group box = g.open_group("box");
    const auto names = box.open_dataset("parameter").read<std::string>();
    const auto blow = box.open_dataset("low").read<double>();
    const auto bhigh = box.open_dataset("high").read<double>();
    r.box.low.assign(k, -std::numeric_limits<double>::infinity());
    r.box.high.assign(k, std::numeric_limits<double>::infinity());
    r.restricted.assign(k, false);
    for (std::size_t i = 0; i < names.size() && i < blow.size() && i < bhigh.size(); ++i) {
      for (std::size_t j = 0; j < k; ++j) {
        if (d.inputs[j] != names[i]) continue;
        r.box.low[j] = blow[i];
        r.box.high[j] = bhigh[i];
        r.restricted[j] = true;
      }
    }
    r.box.coverage = g.attribute<double>("coverage");
    r.box.density = g.attribute<double>("density");
    r.box.mass = g.attribute<double>("mass");
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace sectorsim::io
