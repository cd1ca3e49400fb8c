#!/usr/bin/python3
"""Simulation-based calibration of conditioning (docs/conditioning.md).

Talts et al. (2018): draw a "true" parameter set from the priors, simulate
observations from it, condition on them, and look where the truth falls in
the weighted posterior. If the conditioning is right, the truth's weighted
rank (its posterior CDF) is uniform over repetitions, and the weighted 90%
band of a later, unobserved year covers the truth's value 90% of the time.

Each repetition r: a run of one draw (seed SEED + r) is the truth; its 2023
district GDP, 2023 service value added and 2024 city GDP, each times
(1 + 2% noise), are the observations; a conditioned run of --draws draws
(seed SEED + 100000 + r) is the posterior. The ranks of three parameters are tested
for uniformity (Kolmogorov-Smirnov, alpha 0.01 each) and the coverage of the
2025 district GDP's weighted 90% band within 3 standard errors of 0.90;
an unconditioned sample would pass both, so the band must also be narrower
than the prior's (on average at most 0.8 of its width).
Prints calculated, expected, error and tolerance; exit 1 on a failure.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

PARAMS = ["price_growth", "city_real_growth", "finance.tfp_growth"]
OBSERVED = [("district_gdp", 2023, 1), ("service_va", 2023, 1), ("city_gdp", 2024, 2)]
REL_SD = 0.02


def scenario(base, observations):
    lines = [f"extends: {base}", "observed:", "  min_ess: 1", "  values:"]
    for name, year, value in observations:
        lines.append(f"    - {{indicator: {name}, year: {year}, value: {value!r}, "
                     f"rel_sd: {REL_SD}, source: simulated}}")
    return "\n".join(lines) + "\n"


def run(cli, path, out, draws, seed):
    subprocess.run([cli, "run", path, "--draws", str(draws), "--seed", str(seed), "-o", out,
                    "--overwrite", "-q", "--threads", "2", "--quantiles", "exact"],
                   check=True, stdout=subprocess.DEVNULL)
    f = h5py.File(out, "r")
    s = f["scenarios"][list(f["scenarios"].keys())[0]]
    return f, s


def weighted_quantile(x, w, p):
    order = np.argsort(x, kind="stable")
    c = np.cumsum(w[order])
    return x[order][np.searchsorted(c, p * c[-1])]


def ks_uniform(u):
    u = np.sort(u)
    n = len(u)
    i = np.arange(1, n + 1)
    return max(np.max(i / n - u), np.max(u - (i - 1) / n))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sectorsim", required=True)
    ap.add_argument("--scenario", required=True, help="the prior scenario (Luohu baseline)")
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--draws", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1000, help="truth r runs with seed SEED + r")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    ranks = {p: [] for p in PARAMS}
    covered = 0
    ess = []
    narrowing = []
    with tempfile.TemporaryDirectory() as tmp:
        truth_yaml = os.path.join(tmp, "truth.yaml")
        # One vague observation: the truth run stores its parameters.
        with open(truth_yaml, "w") as fh:
            fh.write(scenario(a.scenario, []).replace(
                "  values:\n", "  values:\n    - {indicator: district_gdp, year: 2023, value: "
                "2800, sd: 1.0e9, source: none}\n"))
        for r in range(a.reps):
            f, s = run(a.sectorsim, truth_yaml, os.path.join(tmp, "truth.h5"), 1, a.seed + r)
            years = list(s["year"][:])
            c = s["conditioning"]
            names = [n.decode() for n in c["parameter_name"][:]]
            theta = {p: c["params"][0, names.index(p)] for p in PARAMS}
            obs = []
            for name, year, _ in OBSERVED:
                v = s[name][0, years.index(year)] * (1 + REL_SD * rng.standard_normal())
                obs.append((name, year, float(v)))
            truth_2025 = s["district_gdp"][0, years.index(2025)]
            f.close()
            post_yaml = os.path.join(tmp, "post.yaml")
            with open(post_yaml, "w") as fh:
                fh.write(scenario(a.scenario, obs))
            f, s = run(a.sectorsim, post_yaml, os.path.join(tmp, "post.h5"), a.draws, a.seed + 100000 + r)
            c = s["conditioning"]
            kept = c["kept_draw"][:]
            w = c["weight"][:][kept]
            ess.append(c.attrs["ess"])
            names = [n.decode() for n in c["parameter_name"][:]]
            for p in PARAMS:
                x = c["params"][:, names.index(p)]
                ranks[p].append((w[x < theta[p]].sum() + 0.5 * w[x == theta[p]].sum()) / w.sum())
            x = s["district_gdp"][:, years.index(2025)][kept]
            lo, hi = weighted_quantile(x, w, 0.05), weighted_quantile(x, w, 0.95)
            covered += int(lo <= truth_2025 <= hi)
            # The prior's band (every weight 1) for the posterior's to beat:
            # calibrated ranks alone would not tell conditioning from none.
            ones = np.ones_like(w)
            narrowing.append((hi - lo) / (weighted_quantile(x, ones, 0.95) -
                                          weighted_quantile(x, ones, 0.05)))
            f.close()
    ok = True
    n = a.reps
    crit = 1.628 / math.sqrt(n)  # Kolmogorov-Smirnov, alpha = 0.01, large n
    print(f"{n} repetitions, {a.draws} draws each; ESS median {np.median(ess):.0f}, "
          f"min {np.min(ess):.0f}")
    for p in PARAMS:
        d = ks_uniform(np.array(ranks[p]))
        good = d <= crit
        ok &= good
        hist = np.histogram(ranks[p], bins=10, range=(0, 1))[0]
        print(f"{'ok  ' if good else 'FAIL'} rank of {p}: KS distance from uniform "
              f"calculated {d:.3f}, expected 0, tolerance {crit:.3f} (alpha 0.01); "
              f"ranks by tenth {' '.join(str(h) for h in hist)}")
    cov = covered / n
    se = math.sqrt(0.9 * 0.1 / n)
    good = abs(cov - 0.9) <= 3 * se
    ok &= good
    print(f"{'ok  ' if good else 'FAIL'} weighted 90% band of district_gdp 2025: coverage "
          f"calculated {cov:.3f}, expected 0.900, error {cov - 0.9:+.3f}, tolerance "
          f"{3 * se:.3f} (3 standard errors)")
    ratio = float(np.mean(narrowing))
    good = ratio <= 0.8
    ok &= good
    print(f"{'ok  ' if good else 'FAIL'} the observations narrow the 2025 band: posterior/prior "
          f"width calculated {ratio:.3f}, expected below 1, tolerance 0.8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
