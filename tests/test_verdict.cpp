// Targets decided before the plan acts (issue 15, item 7): the verdict read
// from a target's counts, its sentence, the explanation of a joint
// probability of 0 or 1, and the lines the terminal table and the report
// print for the shipped plan (service tax share met in the base year in every
// draw; two pillars above 1000亿 met in no draw).
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/spec/results.hpp"
#include "engine/stats/intervals.hpp"
#include "shell.hpp"

namespace sectorsim {
namespace {

// A target judged in 2025 over 2022-2025, met `by_year[y]` times of n.
core::TargetResult target(const std::string& id, std::vector<std::uint64_t> met, std::uint64_t n) {
  core::TargetResult t;
  t.spec.id = id;
  t.spec.year = 2025;
  for (const std::uint64_t m : met)
    t.by_year.push_back(core::wilson(m, n));
  t.in_year = t.by_year.back();
  return t;
}

const std::vector<int> YEARS = {2022, 2023, 2024, 2025};

TEST(TargetVerdict, ReadFromTheCountsAlone) {
  EXPECT_EQ(core::target_verdict(target("a", {1000, 1000, 1000, 1000}, 1000)),
            core::TargetVerdict::AlreadyMet);
  EXPECT_EQ(core::target_verdict(target("b", {0, 400, 900, 1000}, 1000)),
            core::TargetVerdict::AlwaysMet);
  // Met in the base year in every draw but not in 2025 in every draw: open.
  EXPECT_EQ(core::target_verdict(target("c", {1000, 990, 980, 970}, 1000)),
            core::TargetVerdict::Open);
  EXPECT_EQ(core::target_verdict(target("d", {0, 0, 0, 0}, 1000)), core::TargetVerdict::NeverMet);
  EXPECT_EQ(core::target_verdict(target("e", {0, 1, 2, 3}, 1000)), core::TargetVerdict::Open);
  // No draws: nothing is decided.
  EXPECT_EQ(core::target_verdict(target("f", {0, 0, 0, 0}, 0)), core::TargetVerdict::Open);
}

TEST(TargetVerdict, SentencesNameTheYearsAndTheBound) {
  EXPECT_EQ(core::verdict_text(target("a", {1000, 1000, 1000, 1000}, 1000), YEARS),
            "met in the base year 2022 in every draw, and in 2025 in every draw: decided by the "
            "data, not by the plan");
  // Wilson 95% bounds of 1000 of 1000 and 0 of 1000: 0.99617 and 0.0038.
  EXPECT_EQ(core::verdict_text(target("b", {0, 400, 900, 1000}, 1000), YEARS),
            "met in 2025 in every one of 1000 draws (95% lower bound 99.6%): no policy mix of "
            "these priors changes it");
  EXPECT_EQ(core::verdict_text(target("d", {0, 0, 0, 0}, 1000), YEARS),
            "met in 2025 in none of 1000 draws (95% upper bound 0.38%): out of reach under these "
            "priors, whatever the plan's levers do");
  EXPECT_EQ(core::verdict_text(target("e", {0, 1, 2, 3}, 1000), YEARS), "");
}

TEST(TargetVerdict, JointProbabilityOfZeroIsExplained) {
  core::ScenarioResult r;
  r.years = YEARS;
  r.targets = {target("tax", {1000, 1000, 1000, 1000}, 1000),
               target("va", {0, 100, 300, 500}, 1000), target("pillars", {0, 0, 0, 0}, 1000)};
  r.all_targets = core::wilson(0, 1000);
  EXPECT_EQ(core::joint_text(r), "the joint probability is 0 because pillars is met in no draw");
  r.targets.push_back(target("software", {0, 0, 0, 0}, 1000));
  EXPECT_EQ(core::joint_text(r),
            "the joint probability is 0 because pillars, software are met in no draw");
  r.targets = {target("va", {0, 100, 300, 500}, 1000), target("share", {0, 100, 300, 500}, 1000)};
  EXPECT_EQ(core::joint_text(r),
            "the joint probability is 0: each target is met in some draws, but no draw meets all "
            "of them at once");
  r.all_targets = core::wilson(7, 1000);
  EXPECT_EQ(core::joint_text(r), "");
  r.all_targets = core::wilson(1000, 1000);
  EXPECT_EQ(core::joint_text(r), "every draw meets every target");
}

class VerdictCli : public testing::ScratchDirTest {};

TEST_F(VerdictCli, ThePlansDecidedTargetsAreFlagged) {
  const std::string plan =
      std::string(SECTORSIM_SOURCE_DIR) + "/scenarios/luohu/plan-2022-2025.yaml";
  const auto r = testing::sh(std::string(SECTORSIM_CLI) + " run " + plan + " -o " + file("p.h5") +
                             " --draws 4000 -t 2 --no-paths");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* line :
       {"! service_tax_share: met in the base year 2022 in every draw, and in 2025 in every draw: "
        "decided by the data, not by the plan\n",
        "! pillars_over_1000: met in 2025 in none of 4000 draws (95% upper bound 0.096%): out of "
        "reach under these priors, whatever the plan's levers do\n",
        "! all targets: the joint probability is 0 because pillars_over_1000 is met in no "
        "draw\n"}) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  }
  const auto report =
      testing::sh(std::string(SECTORSIM_CLI) + " report " + file("p.h5") + " -o " + file("p.html"));
  ASSERT_EQ(report.status, 0) << report.out;
  std::FILE* f = std::fopen(file("p.html").c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string html;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
    html.append(buf, n);
  std::fclose(f);
  EXPECT_NE(html.find("<li><code>service_tax_share</code> in <code>plan-2022-2025</code>: met in "
                      "the base year 2022 in every draw"),
            std::string::npos);
}

}  // namespace
}  // namespace sectorsim
