// Global sensitivity analysis (engine/stats/sensitivity.hpp,
// engine/analysis/sensitivity.hpp, `sectorsim sensitivity`): Sobol indices
// of the Ishigami function against their closed form, Morris elementary
// effects against their expectation under the design, the design's
// properties, error texts, thread-count identity and the file.
//
// Closed form of the Ishigami function y = sin x1 + a sin² x2 + b x3⁴ sin x1,
// x uniform on [-π, π] (Ishigami and Homma 1990; Saltelli et al. 2008,
// "Global Sensitivity Analysis: The Primer", section 4.6):
//   V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2, V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V3 = 0,
//   V13 = 8b²π⁸/225; ST1 = (V1 + V13)/V, ST2 = V2/V, ST3 = V13/V.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/analysis/sensitivity.hpp"
#include "engine/io/sensitivity_io.hpp"
#include "engine/run/errors.hpp"
#include "engine/stats/sensitivity.hpp"
#include "models/registry.hpp"
#include "tests/shell.hpp"

namespace sectorsim {
namespace {

const std::string SRC = SECTORSIM_SOURCE_DIR;
const std::string CLI = SECTORSIM_CLI;
const std::string ISHIGAMI = SRC + "/scenarios/test-functions/ishigami.yaml";

struct Closed {
  double s1[3], st[3];
};

Closed ishigami_indices(double a, double b) {
  const double pi4 = std::pow(std::numbers::pi, 4), pi8 = pi4 * pi4;
  const double v = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5;
  const double v1 = 0.5 * std::pow(1 + b * pi4 / 5, 2), v2 = a * a / 8, v13 = 8 * b * b * pi8 / 225;
  return {{v1 / v, v2 / v, 0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

core::ScenarioSpec ishigami(double a, double b) {
  std::ifstream in(ISHIGAMI);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const auto at = text.find("  a: 7\n  b: 0.1\n");
  EXPECT_NE(at, std::string::npos);
  char coef[64];
  std::snprintf(coef, sizeof coef, "  a: %.17g\n  b: %.17g\n", a, b);
  text.replace(at, 16, coef);
  return models::load_scenario_text(text, "ishigami.yaml");
}

analysis::SensitivityResult sobol(const core::ScenarioSpec& spec, std::uint64_t n, int threads,
                                  std::vector<std::string> outputs = {"y"}) {
  analysis::SensitivityOptions o;
  o.samples = n;
  o.threads = threads;
  o.outputs = std::move(outputs);
  return analysis::run_sensitivity(spec, nullptr, o);
}

// |calculated - expected| <= conf, the half-width of the bootstrap 95% interval.
void expect_within(const char* what, int i, double calculated, double conf, double expected) {
  EXPECT_LE(std::fabs(calculated - expected), conf)
      << what << " of x" << i + 1 << ": calculated " << calculated << ", expected " << expected
      << ", error " << calculated - expected << ", tolerance " << conf
      << " (the 95% bootstrap half-width)";
}

TEST(SensitivitySobol, ClosedFormOfIshigamiIsThePublishedOne) {
  const Closed c = ishigami_indices(7, 0.1);
  const double s1[3] = {0.3139, 0.4424, 0}, st[3] = {0.5576, 0.4424, 0.2437};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(c.s1[i], s1[i], 5e-5);
    EXPECT_NEAR(c.st[i], st[i], 5e-5);
  }
}

TEST(SensitivitySobol, IshigamiIndicesWithinTheirIntervals) {
  const auto r = sobol(ishigami(7, 0.1), std::uint64_t{1} << 14, 2);
  ASSERT_EQ(r.outputs.size(), 1u);
  const auto& p = r.outputs[0].parameters;
  ASSERT_EQ(p.size(), 3u);
  const double s1[3] = {0.3139, 0.4424, 0}, st[3] = {0.5576, 0.4424, 0.2437};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(p[static_cast<std::size_t>(i)].name, "x" + std::to_string(i + 1));
    expect_within("S1", i, p[static_cast<std::size_t>(i)].s1,
                  p[static_cast<std::size_t>(i)].s1_conf, s1[i]);
    expect_within("ST", i, p[static_cast<std::size_t>(i)].st,
                  p[static_cast<std::size_t>(i)].st_conf, st[i]);
    // Intervals narrow enough to mean something at N = 2^14.
    EXPECT_LT(p[static_cast<std::size_t>(i)].st_conf, 0.05);
  }
  // Ishigami's blocks are its parameters' own names: no groups.
  EXPECT_TRUE(r.outputs[0].groups.empty());
  EXPECT_EQ(r.evaluations, (std::uint64_t{1} << 14) * 5);
  // Var[y] over A and B.
  const double v = 49.0 / 8 + 0.1 * std::pow(std::numbers::pi, 4) / 5 +
                   0.01 * std::pow(std::numbers::pi, 8) / 18 + 0.5;
  EXPECT_NEAR(r.outputs[0].variance, v, 0.02 * v);
}

TEST(SensitivitySobol, OtherCoefficientsMatchTheClosedForm) {
  for (const auto& [a, b] : std::vector<std::pair<double, double>>{{2, 0.3}, {5, 0.05}}) {
    SCOPED_TRACE("a = " + std::to_string(a) + ", b = " + std::to_string(b));
    const Closed c = ishigami_indices(a, b);
    const auto r = sobol(ishigami(a, b), std::uint64_t{1} << 14, 2);
    const auto& p = r.outputs[0].parameters;
    for (std::size_t i = 0; i < 3; ++i) {
      expect_within("S1", static_cast<int>(i), p[i].s1, p[i].s1_conf, c.s1[i]);
      expect_within("ST", static_cast<int>(i), p[i].st, p[i].st_conf, c.st[i]);
    }
  }
}

TEST(SensitivitySobol, AdditiveFunctionGivesExactIndicesFromItsRows) {
  // f = x1 + 2 x2 on hand-made rows where AB_i differs from A in column i
  // only: the estimators are exact identities of these rows.
  const std::vector<double> a = {0, 1, 2, 3}, b = {3, 2, 1, 0};
  // f(A) = f(B) + ... is what the model would give; here f is given.
  std::vector<double> fa, fb, fab1, fab2;
  const double a2[] = {1, 0, 1, 0}, b2[] = {0, 1, 0, 1};
  for (int j = 0; j < 4; ++j) {
    fa.push_back(a[static_cast<std::size_t>(j)] + 2 * a2[j]);
    fb.push_back(b[static_cast<std::size_t>(j)] + 2 * b2[j]);
    fab1.push_back(b[static_cast<std::size_t>(j)] + 2 * a2[j]);
    fab2.push_back(a[static_cast<std::size_t>(j)] + 2 * b2[j]);
  }
  const auto e = core::sobol_indices(fa.data(), fb.data(), {fab1.data(), fab2.data()}, 4, 1, 0);
  double m = 0;
  for (int j = 0; j < 4; ++j)
    m += fa[static_cast<std::size_t>(j)] + fb[static_cast<std::size_t>(j)];
  m /= 8;
  double v = 0;
  for (int j = 0; j < 4; ++j)
    v += std::pow(fa[static_cast<std::size_t>(j)] - m, 2) +
         std::pow(fb[static_cast<std::size_t>(j)] - m, 2);
  v /= 8;
  EXPECT_DOUBLE_EQ(e.variance, v);
  double vt1 = 0, v1 = 0;
  for (std::size_t j = 0; j < 4; ++j) {
    vt1 += std::pow(fa[j] - fab1[j], 2);
    v1 += (fb[j] - m) * (fab1[j] - fa[j]);
  }
  EXPECT_NEAR(e.factors[0].st, vt1 / 8 / v, 1e-14);
  EXPECT_NEAR(e.factors[0].s1, v1 / 4 / v, 1e-14);
  EXPECT_TRUE(std::isnan(e.factors[0].s1_conf));  // no resamples asked
}

TEST(SensitivitySobol, BootstrapRowsAreAFunctionOfSeedAndResample) {
  EXPECT_EQ(core::bootstrap_rows(5, 3, 100), core::bootstrap_rows(5, 3, 100));
  EXPECT_NE(core::bootstrap_rows(5, 3, 100), core::bootstrap_rows(5, 4, 100));
  for (auto r : core::bootstrap_rows(5, 3, 7))
    EXPECT_LT(r, 7u);
}

TEST(SensitivitySobol, SameIndicesOnOneThreadAndOnThree) {
  const auto spec = ishigami(7, 0.1);
  analysis::SensitivityOptions o;
  o.samples = 1024;
  o.batch = 100;  // blocks of uneven size
  o.outputs = {"y", "y_above_mean"};
  o.threads = 1;
  const auto one = analysis::run_sensitivity(spec, nullptr, o);
  o.threads = 3;
  o.batch = 37;
  const auto three = analysis::run_sensitivity(spec, nullptr, o);
  ASSERT_EQ(one.outputs.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& x = one.outputs[k].parameters[i];
      const auto& y = three.outputs[k].parameters[i];
      EXPECT_EQ(x.s1, y.s1);
      EXPECT_EQ(x.st, y.st);
      EXPECT_EQ(x.s1_conf, y.s1_conf);
      EXPECT_EQ(x.st_conf, y.st_conf);
    }
  }
}

TEST(SensitivitySobol, LuohuPlanEffectSameOnOneThreadAndOnThree) {
  const auto plan = models::load_scenario(SRC + "/scenarios/luohu/plan-2022-2025.yaml");
  const auto base = models::load_scenario(SRC + "/scenarios/luohu/baseline.yaml");
  analysis::SensitivityOptions o;
  o.samples = 16;
  o.resamples = 20;
  o.outputs = {"service_va@2025", "diff:service_va@2025", "service_va"};
  o.threads = 1;
  o.batch = 8;
  const auto one = analysis::run_sensitivity(plan, &base, o);
  o.threads = 3;
  o.batch = 5;
  const auto three = analysis::run_sensitivity(plan, &base, o);
  ASSERT_EQ(one.outputs.size(), 3u);
  bool shocks = false;
  for (std::size_t k = 0; k < one.outputs.size(); ++k) {
    ASSERT_EQ(one.outputs[k].parameters.size(), three.outputs[k].parameters.size());
    for (std::size_t i = 0; i < one.outputs[k].parameters.size(); ++i) {
      EXPECT_EQ(one.outputs[k].parameters[i].st, three.outputs[k].parameters[i].st);
      EXPECT_EQ(one.outputs[k].parameters[i].s1_conf, three.outputs[k].parameters[i].s1_conf);
    }
    for (std::size_t i = 0; i < one.outputs[k].groups.size(); ++i) {
      EXPECT_EQ(one.outputs[k].groups[i].st, three.outputs[k].groups[i].st);
      shocks = shocks || one.outputs[k].groups[i].name == analysis::SHOCKS_GROUP;
    }
  }
  EXPECT_TRUE(shocks);
  EXPECT_GT(one.outputs[0].groups.size(), 3u);
}

TEST(SensitivitySobol, DefaultOutputsAreTargetsTheirIndicatorsAndTheirDifferences) {
  const auto plan = models::load_scenario(SRC + "/scenarios/luohu/plan-2022-2025.yaml");
  const auto base = models::load_scenario(SRC + "/scenarios/luohu/baseline.yaml");
  analysis::SensitivityOptions o;
  o.samples = 8;
  o.resamples = 10;
  o.threads = 2;
  const auto r = analysis::run_sensitivity(plan, &base, o);
  std::vector<std::string> ids;
  for (const auto& out : r.outputs)
    ids.push_back(out.id);
  ASSERT_EQ(ids.size(), 4 * plan.targets.size());
  EXPECT_EQ(ids[0], "service_va@2025");
  EXPECT_EQ(ids[1], "service_va");
  EXPECT_EQ(ids[2 * plan.targets.size()], "diff:service_va@2025");
  for (const auto& out : r.outputs) {
    if (out.id != "pillars_over_1000") continue;
    // Never met in the plan: a constant output has no index.
    EXPECT_EQ(out.variance, 0);
    EXPECT_TRUE(std::isnan(out.parameters[0].st));
  }
}

TEST(SensitivityErrors, SamplesNotAPowerOfTwo) {
  analysis::SensitivityOptions o;
  o.samples = 1000;
  o.outputs = {"y"};
  try {
    analysis::run_sensitivity(ishigami(7, 0.1), nullptr, o);
    FAIL() << "no error";
  } catch (const run::InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--samples must be a power of two from 2 to 2^24 for --method sobol (got 1000; "
                 "try 1024)");
  }
}

TEST(SensitivityErrors, UnknownOutputSaysWhatItMeant) {
  analysis::SensitivityOptions o;
  o.samples = 8;
  const auto spec = models::load_scenario(SRC + "/scenarios/luohu/plan-2022-2025.yaml");
  auto message = [&](const std::string& id) {
    o.outputs = {id};
    try {
      analysis::run_sensitivity(spec, nullptr, o);
    } catch (const run::InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("servce_va@2025"),
            "--output 'servce_va@2025': unknown indicator 'servce_va' (did you mean "
            "'service_va'?)");
  EXPECT_EQ(message("service_va@2031"),
            "--output 'service_va@2031': the year must be one of 2022-2025 (got '2031')");
  EXPECT_EQ(message("servce_va"),
            "--output 'servce_va': not a target of scenario 'plan-2022-2025' nor a series cell "
            "SERIES@YEAR (did you mean 'service_va'?)");
  EXPECT_EQ(message("diff:service_va@2025"),
            "--output 'diff:service_va@2025': a difference needs --against FILE");
}

TEST(SensitivityErrors, AgainstAScenarioOfOtherParameters) {
  analysis::SensitivityOptions o;
  o.samples = 8;
  o.outputs = {"y"};
  const auto luohu = models::load_scenario(SRC + "/scenarios/luohu/baseline.yaml");
  try {
    analysis::run_sensitivity(ishigami(7, 0.1), &luohu, o);
    FAIL() << "no error";
  } catch (const run::InputError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("--against baseline: its parameters differ from those of ishigami; a "
                      "paired analysis needs the same; only in ishigami: x1, x2, x3; only in "
                      "baseline: ",
                      0),
              0u)
        << m;
  }
}

// Morris on Ishigami. The grid value of level l is X(l) = -π + 2π (e + (1 -
// 2e) l / 3), e = MORRIS_EDGE. In a random trajectory (no choice among
// candidates) a step moves a level l in {0, 1} to l + 2 or back, and the
// other factors sit at any of the 4 levels alike. So
//   |EE1| = |sin X(l1+2) - sin X(l1)| (1 + b X(l3)⁴) / Δ,
//   |EE2| = a |sin² X(l2+2) - sin² X(l2)| / Δ,
//   |EE3| = b |X(l3+2)⁴ - X(l3)⁴| |sin X(l1)| / Δ,
// and mu* is their mean over the levels; its standard error over r
// trajectories is their standard deviation over sqrt(r).
double ishigami_y(double a, double b, const double* u) {
  const double pi = std::numbers::pi;
  const double x1 = -pi + 2 * pi * u[0], x2 = -pi + 2 * pi * u[1], x3 = -pi + 2 * pi * u[2];
  return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
}

TEST(SensitivityMorris, IshigamiMuStarMatchesItsExpectationUnderRandomTrajectories) {
  const double a = 7, b = 0.1, delta = 2.0 / 3, e = analysis::MORRIS_EDGE;
  auto X = [&](int l) {
    return -std::numbers::pi + 2 * std::numbers::pi * (e + (1 - 2 * e) * l / 3.0);
  };
  std::vector<double> ee[3];
  for (int lo = 0; lo < 2; ++lo)
    for (int other = 0; other < 4; ++other) {
      ee[0].push_back(std::fabs(std::sin(X(lo + 2)) - std::sin(X(lo))) *
                      (1 + b * std::pow(X(other), 4)) / delta);
      ee[1].push_back(
          a * std::fabs(std::pow(std::sin(X(lo + 2)), 2) - std::pow(std::sin(X(lo)), 2)) / delta);
      ee[2].push_back(b * std::fabs(std::pow(X(lo + 2), 4) - std::pow(X(lo), 4)) *
                      std::fabs(std::sin(X(other))) / delta);
    }
  analysis::SensitivityOptions o;
  o.method = analysis::SensitivityMethod::Morris;
  o.samples = 400;
  o.morris_candidates = 400;
  o.outputs = {"y"};
  o.threads = 2;
  const auto r = analysis::run_sensitivity(ishigami(a, b), nullptr, o);
  const auto& p = r.outputs[0].parameters;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(r.evaluations, 400u * 4);
  for (std::size_t i = 0; i < 3; ++i) {
    double m = 0, ss = 0;
    for (double v : ee[i])
      m += v;
    m /= static_cast<double>(ee[i].size());
    for (double v : ee[i])
      ss += (v - m) * (v - m);
    const double se = std::sqrt(ss / static_cast<double>(ee[i].size())) / std::sqrt(400.0);
    const double tol = 4 * se + 1e-9;
    EXPECT_LE(std::fabs(p[i].mu_star - m), tol)
        << "mu* of x" << i + 1 << ": calculated " << p[i].mu_star << ", expected " << m
        << ", error " << p[i].mu_star - m << ", tolerance " << tol << " (4 standard errors)";
  }
  // x2 enters alone: its effects never vary in size, only in sign.
  EXPECT_NEAR(p[1].mu_star, ee[1][0], 1e-9);
}

TEST(SensitivityMorris, ChosenTrajectoriesRankIshigamiAndMatchTheClosedFormAtTheirPoints) {
  const double a = 7, b = 0.1;
  analysis::SensitivityOptions o;
  o.method = analysis::SensitivityMethod::Morris;
  o.samples = 50;
  o.outputs = {"y"};
  o.seed = 11;
  const auto r = analysis::run_sensitivity(ishigami(a, b), nullptr, o);
  const auto& p = r.outputs[0].parameters;
  EXPECT_GT(p[0].mu_star, p[2].mu_star);
  EXPECT_GT(p[1].mu_star, p[2].mu_star);
  // The same design, its points through the priors (uniform: u itself) into
  // the closed form.
  const auto d = core::morris_design(3, 50, 200, 4, 11);
  std::vector<double> y;
  const double e = analysis::MORRIS_EDGE;
  for (std::size_t q = 0; q < d.points.size() / 3; ++q) {
    double u[3];
    for (std::size_t c = 0; c < 3; ++c)
      u[c] = e + (1 - 2 * e) * d.points[q * 3 + c];
    y.push_back(ishigami_y(a, b, u));
  }
  const auto ref = core::morris_indices(d, y.data(), 11);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(p[i].mu_star, ref[i].mu_star, 1e-9 * (1 + ref[i].mu_star));
    EXPECT_NEAR(p[i].mu, ref[i].mu, 1e-9 * (1 + std::fabs(ref[i].mu)));
    EXPECT_NEAR(p[i].sigma, ref[i].sigma, 1e-9 * (1 + ref[i].sigma));
  }
}

TEST(SensitivityMorris, EachTrajectoryMovesEveryFactorOnceByDelta) {
  const auto d = core::morris_design(5, 10, 40, 4, 9);
  ASSERT_EQ(d.points.size(), 10u * 6 * 5);
  for (int t = 0; t < 10; ++t) {
    std::vector<int> seen(5, 0);
    for (int s = 0; s < 5; ++s) {
      const int i = d.moved[static_cast<std::size_t>(t * 5 + s)];
      ++seen[static_cast<std::size_t>(i)];
      for (int c = 0; c < 5; ++c) {
        const double x0 = d.points[static_cast<std::size_t>((t * 6 + s) * 5 + c)];
        const double x1 = d.points[static_cast<std::size_t>((t * 6 + s + 1) * 5 + c)];
        EXPECT_GE(x0, 0);
        EXPECT_LE(x0, 1);
        EXPECT_NEAR(std::fabs(x1 - x0), c == i ? 2.0 / 3 : 0.0, 1e-12);
      }
    }
    EXPECT_EQ(seen, std::vector<int>(5, 1));
  }
  // The kept trajectories are spread wider than the first ten drawn.
  auto spread = [](const core::MorrisDesign& x) {
    double s = 0;
    const std::size_t per = 6 * 5;
    for (std::size_t p = 0; p < 10; ++p)
      for (std::size_t q = p + 1; q < 10; ++q)
        s += std::pow(
            core::trajectory_distance(x.points.data() + p * per, x.points.data() + q * per, 5), 2);
    return s;
  };
  EXPECT_GT(spread(d), spread(core::morris_design(5, 10, 10, 4, 9)));
}

class SensitivityCli : public testing::ScratchDirTest {};

TEST_F(SensitivityCli, WritesTheFileAndRefusesToReplaceIt) {
  const std::string out = file("s.h5");
  const std::string csv = file("tables");
  const auto r = testing::sh(CLI + " sensitivity " + ISHIGAMI +
                             " --samples 1024 --output y --output y_above_mean --threads 2 -o " +
                             out + " --csv " + csv);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("Sobol indices of ishigami: N 1024"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(csv + "/y.csv"));
  EXPECT_TRUE(std::filesystem::exists(csv + "/y_above_mean.csv"));
  const std::string py =
      "import h5py, numpy as np, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "g = f['/sensitivity/y']\n"
      "assert [p.decode() if isinstance(p, bytes) else p for p in g['parameter'][...]] == "
      "['x1', 'x2', 'x3']\n"
      "for d in ('S1', 'S1_conf', 'ST', 'ST_conf'): assert g[d].shape == (3,), d\n"
      "assert g.attrs['method'] == 'sobol' and g.attrs['N'] == 1024\n"
      "assert g.attrs['evaluations'] == 1024 * 5\n"
      "assert abs(g.attrs['variance'] - 13.84) < 1.0\n"
      "assert abs(g['ST'][1] - 0.4424) < 0.1\n"
      "assert 'groups' in g and '/sensitivity/y_above_mean' in f\n"
      "print('ok')\n";
  std::ofstream(file("check.py")) << py;
  const auto c = testing::sh("/usr/bin/python3 " + file("check.py") + " " + out);
  EXPECT_EQ(c.status, 0) << c.out;
  const auto rep = testing::sh(CLI + " report " + out + " -o " + file("s.html"));
  ASSERT_EQ(rep.status, 0) << rep.out;
  std::ifstream html_in(file("s.html"));
  std::stringstream html;
  html << html_in.rdbuf();
  EXPECT_NE(html.str().find("data-chart=\"tornado\""), std::string::npos);
  EXPECT_NE(html.str().find("x2"), std::string::npos);
  const auto again =
      testing::sh(CLI + " sensitivity " + ISHIGAMI + " --samples 8 --output y -o " + out);
  EXPECT_EQ(again.status, 2) << again.out;
  EXPECT_NE(again.out.find("exists"), std::string::npos) << again.out;
  // An existing table is refused before anything is computed or written.
  const auto tables = testing::sh(CLI + " sensitivity " + ISHIGAMI + " --samples 8 --output y -o " +
                                  file("t.h5") + " --csv " + csv);
  EXPECT_EQ(tables.status, 2) << tables.out;
  EXPECT_NE(tables.out.find("y.csv: exists"), std::string::npos) << tables.out;
  EXPECT_FALSE(std::filesystem::exists(file("t.h5")));
  const auto bad = testing::sh(CLI + " sensitivity " + ISHIGAMI + " --samples 1000 --output y");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("--samples must be a power of two"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace sectorsim
