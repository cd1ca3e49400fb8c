#include "engine/io/sensitivity_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
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

/// The file type of a sensitivity file's root attribute `filetype`.
constexpr const char* SENSITIVITY_FILETYPE = "sectorsim-sensitivity";

void write_doubles(const h5::Group& g, const std::string& name, const std::vector<double>& v) {
  g.create_dataset<double>(name, {v.size()}).write(std::span<const double>(v));
}

void write_factors(const h5::Group& g, const std::vector<core::FactorIndices>& factors,
                   core::SensitivityMethod method, bool groups) {
  std::vector<std::string> names, members;
  for (const auto& f : factors) {
    names.push_back(f.name);
    std::string m;
    for (std::size_t i = 0; i < f.members.size(); ++i)
      m += (i ? "," : "") + f.members[i];
    members.push_back(m);
  }
  g.create_dataset<std::string>("parameter", {names.size()}).write(names);
  if (groups) g.create_dataset<std::string>("members", {members.size()}).write(members);
  auto column = [&](double core::FactorIndices::*field) {
    std::vector<double> v;
    for (const auto& f : factors)
      v.push_back(f.*field);
    return v;
  };
  if (method == core::SensitivityMethod::Sobol) {
    write_doubles(g, "S1", column(&core::FactorIndices::s1));
    write_doubles(g, "S1_conf", column(&core::FactorIndices::s1_conf));
    write_doubles(g, "ST", column(&core::FactorIndices::st));
    write_doubles(g, "ST_conf", column(&core::FactorIndices::st_conf));
  } else {
    write_doubles(g, "mu", column(&core::FactorIndices::mu));
    write_doubles(g, "mu_star", column(&core::FactorIndices::mu_star));
    write_doubles(g, "mu_star_conf", column(&core::FactorIndices::mu_star_conf));
    write_doubles(g, "sigma", column(&core::FactorIndices::sigma));
  }
}

void write_contents(const h5::File& f, const core::SensitivityResult& r,
                    const std::string& command_line) {
  write_file_header(f, SENSITIVITY_FILETYPE, command_line);
  f.set_attribute("seed", r.seed);
  const h5::Group s = f.create_group("sensitivity");
  s.set_attribute("method", core::method_name(r.method));
  s.set_attribute("scenario", r.scenario);
  s.set_attribute("against", r.against);
  s.set_attribute("N", r.samples);
  s.set_attribute("seed", r.seed);
  s.set_attribute("sampler", core::sampler_name(r.sampler));
  s.set_attribute("replicates", static_cast<std::int32_t>(r.replicates));
  s.set_attribute("evaluations", r.evaluations);
  s.set_attribute("resamples", static_cast<std::int32_t>(r.resamples));
  s.set_attribute("levels", static_cast<std::int32_t>(r.levels));
  s.set_attribute("seconds", r.seconds);
  s.set_attribute("conf",
                  "half-width of the 95% interval: 1.96 times the bootstrap standard "
                  "deviation of the index (docs/sensitivity.md)");
  for (const auto& o : r.outputs) {
    const h5::Group g = s.create_group(o.id);
    g.set_attribute("method", core::method_name(r.method));
    g.set_attribute("N", r.samples);
    g.set_attribute("seed", r.seed);
    g.set_attribute("evaluations", r.evaluations);
    g.set_attribute("variance", o.variance);
    g.set_attribute("mean", o.mean);
    g.set_attribute("description", o.description);
    write_factors(g, o.parameters, r.method, false);
    if (r.method == core::SensitivityMethod::Sobol)
      write_factors(g.create_group("groups"), o.groups, r.method, true);
  }
}

std::vector<core::FactorIndices> read_factors(const h5::Group& g, core::SensitivityMethod m) {
  const auto names = g.open_dataset("parameter").read<std::string>();
  std::vector<std::string> members;
  if (g.has_link("members")) members = g.open_dataset("members").read<std::string>();
  const double nan = std::nan("");
  std::vector<core::FactorIndices> out(
      names.size(), core::FactorIndices{"", {}, nan, nan, nan, nan, nan, nan, nan, nan});
  auto column = [&](const char* name, double core::FactorIndices::*field) {
    if (!g.has_link(name)) return;
    const auto v = g.open_dataset(name).read<double>();
    for (std::size_t i = 0; i < out.size() && i < v.size(); ++i)
      out[i].*field = v[i];
  };
  for (std::size_t i = 0; i < names.size(); ++i) {
    out[i].name = names[i];
    if (i < members.size()) {
      std::string cur;
      for (char c : members[i] + ",") {
        if (c == ',') {
          if (!cur.empty()) out[i].members.push_back(cur);
          cur.clear();
        } else {
          cur += c;
        }
      }
    }
  }
  if (m == core::SensitivityMethod::Sobol) {
    column("S1", &core::FactorIndices::s1);
    column("S1_conf", &core::FactorIndices::s1_conf);
    column("ST", &core::FactorIndices::st);
    column("ST_conf", &core::FactorIndices::st_conf);
  } else {
    column("mu", &core::FactorIndices::mu);
    column("mu_star", &core::FactorIndices::mu_star);
    column("mu_star_conf", &core::FactorIndices::mu_star_conf);
    column("sigma", &core::FactorIndices::sigma);
  }
  return out;
}

// The shortest text that reads back to the same double (as the run's tables).
std::string number(double x) {
  if (!std::isfinite(x)) return "";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

}  // namespace

void write_sensitivity_file(const std::string& path, const core::SensitivityResult& result,
                            const std::vector<std::string>& inputs, bool overwrite,
                            const std::string& command_line) {
  if (path.empty()) throw IoError("sensitivity file: empty path");
  write_h5_atomically(path, inputs, overwrite,
                      [&](h5::File& f) { write_contents(f, result, command_line); });
}

std::string sensitivity_csv_name(const std::string& id) {
  std::string s;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '@' || c == '-';
    s += ok ? c : '_';
  }
  return s + ".csv";
}

void write_sensitivity_csv(const std::string& dir, const core::SensitivityResult& result,
                           const std::vector<std::string>& inputs, bool overwrite) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) throw Refused(dir + ": cannot create the directory (" + ec.message() + ")");
  }
  std::vector<std::string> paths;
  for (const auto& o : result.outputs) {
    paths.push_back((fs::path(dir) / sensitivity_csv_name(o.id)).string());
    check_output_target(paths.back(), inputs, overwrite, true, "--csv DIR");
  }
  const bool sobol = result.method == core::SensitivityMethod::Sobol;
  for (std::size_t i = 0; i < result.outputs.size(); ++i) {
    const auto& o = result.outputs[i];
    std::string text = "\xEF\xBB\xBF";
    text += sobol ? "kind,name,S1,S1_conf,ST,ST_conf\r\n"
                  : "kind,name,mu,mu_star,mu_star_conf,sigma\r\n";
    auto rows = [&](const std::vector<core::FactorIndices>& fs, const char* kind) {
      for (const auto& f : fs) {
        text += std::string(kind) + "," + csv_field(f.name) + ",";
        if (sobol)
          text +=
              number(f.s1) + "," + number(f.s1_conf) + "," + number(f.st) + "," + number(f.st_conf);
        else
          text += number(f.mu) + "," + number(f.mu_star) + "," + number(f.mu_star_conf) + "," +
                  number(f.sigma);
        text += "\r\n";
      }
    };
    rows(o.parameters, "parameter");
    rows(o.groups, "group");
    write_file_atomically(paths[i], text, overwrite);
  }
}

std::optional<core::SensitivityResult> read_sensitivity(const std::string& path) {
  const h5::File f = h5::File::open_read_only(path);
  if (!f.has_link("sensitivity")) return std::nullopt;
  const h5::Group s = f.open_group("sensitivity");
  core::SensitivityResult r;
  const auto method = s.attribute<std::string>("method");
  r.method = method == "morris" ? core::SensitivityMethod::Morris : core::SensitivityMethod::Sobol;
  r.scenario = s.attribute<std::string>("scenario");
  r.against = s.attribute<std::string>("against");
  r.samples = s.attribute<std::uint64_t>("N");
  r.seed = s.attribute<std::uint64_t>("seed");
  r.evaluations = s.attribute<std::uint64_t>("evaluations");
  r.seconds = s.attribute<double>("seconds");
  for (const auto& name : s.link_names()) {
    const h5::Group g = s.open_group(name);
    core::OutputIndices o;
    o.id = name;
    o.description = g.attribute<std::string>("description");
    o.mean = g.attribute<double>("mean");
    o.variance = g.attribute<double>("variance");
    o.parameters = read_factors(g, r.method);
    if (g.has_link("groups")) o.groups = read_factors(g.open_group("groups"), r.method);
    r.outputs.push_back(std::move(o));
  }
  return r;
}

}  // namespace sectorsim::io
