// sectorsim serve: the levers as controls, each change sent to POST
// /api/simulate (debounced, one request at a time, the latest mix wins) and
// the answer drawn: the report's own chart sections (SVG from the server)
// and a table of target probabilities. No request goes anywhere but this
// server (docs/serve.md).
"use strict";

(() => {
  const DEBOUNCE_MS = 120;
  const $ = (id) => document.getElementById(id);
  const state = {
    info: null,       // GET /api/scenarios
    scenario: null,   // name of the scenario varied
    levers: {},       // key -> {decl, total, years[], sectors[], max}
    touched: new Set(),
    timer: null,
    timerPending: false,
    inflight: false,
    pending: false,
    last: null,       // the last answer drawn
    timings: [],      // {server_ms, round_trip_ms, redraw_ms}
    waiters: [],
  };

  const fmt = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : "–");
  const pct = (p) => fmt(100 * p, 1) + "%";
  const pp = (d) => (d > 0 ? "+" : "") + fmt(100 * d, 1) + " pp";
  const text = (tag, content, cls) => {
    const e = document.createElement(tag);
    if (content !== undefined) e.textContent = content;
    if (cls) e.className = cls;
    return e;
  };

  // ------------------------------------------------------------- levers
  // A lever as total x shares: by year (every lever) and by sector (the
  // allocation, or the split of funds by sector), so that each control moves
  // one thing and the amounts always add up.
  function leverFromSetting(decl, setting, years, sectors) {
    const ny = years.length, ns = sectors.length;
    const total = setting.amounts.reduce((a, b) => a + b, 0);
    const byYear = new Array(ny).fill(0), bySector = new Array(ns).fill(0);
    if (decl.shape === "year_by_sector") {
      for (let y = 0; y < ny; ++y)
        for (let s = 0; s < ns; ++s) {
          byYear[y] += setting.amounts[y * ns + s];
          bySector[s] += setting.amounts[y * ns + s];
        }
    } else {
      for (let y = 0; y < ny; ++y) byYear[y] = setting.amounts[y];
      for (let s = 0; s < ns; ++s) bySector[s] = setting.allocation[s] || 0;
    }
    const norm = (v, from) => {
      const sum = v.reduce((a, b) => a + b, 0);
      return v.map((x, i) => (sum > 0 ? x / sum : i >= from ? 1 : 0));
    };
    return {
      decl,
      total,
      years: norm(byYear, 1).map((x, i) => (i === 0 ? 0 : x)),
      sectors: norm(bySector, 0),
    };
  }

  const shares = (w) => {
    const sum = w.reduce((a, b) => a + b, 0);
    return w.map((x) => (sum > 0 ? x / sum : 0));
  };

  function leverSetting(l) {
    const ns = state.info.sectors.length, ny = state.info.years.length;
    const ys = shares(l.years), ss = shares(l.sectors);
    if (l.decl.shape === "year_by_sector") {
      const amounts = [];
      for (let y = 0; y < ny; ++y)
        for (let s = 0; s < ns; ++s) amounts.push(y === 0 ? 0 : l.total * ys[y] * ss[s]);
      return { amounts };
    }
    const amounts = ys.map((x, y) => (y === 0 ? 0 : l.total * x));
    return { amounts, allocation: ss };
  }

  function niceMax(v) {
    const x = Math.max(v, 1);
    const p = Math.pow(10, Math.floor(Math.log10(x)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
    return 10 * p;
  }

  function slider(label, value, max, unit, onInput, id) {
    const row = text("div", undefined, "control");
    const name = text("label", label);
    const input = document.createElement("input");
    input.type = "range";
    input.min = "0";
    input.max = String(max);
    input.step = "any";
    input.value = String(value);
    input.id = id;
    name.htmlFor = id;
    const out = text("output", "");
    out.htmlFor = id;
    row.append(name, input, out);
    input.addEventListener("input", () => onInput(Number(input.value), out));
    return { row, input, out };
  }

  function buildLevers() {
    const box = $("levers");
    box.replaceChildren();
    const { years, sectors } = state.info;
    for (const decl of state.info.levers) {
      const l = state.levers[decl.key];
      const fs = text("fieldset", undefined, "lever");
      fs.dataset.lever = decl.key;
      fs.append(text("legend", `${decl.key} (${decl.unit})`), text("p", decl.description, "desc"));
      const unit = decl.unit;
      const total = slider("Total", l.total, l.max, unit, (v) => {
        l.total = v;
        number.value = fmt(v, 2);
        changed(decl.key);
      }, `lever-${decl.key}-total`);
      total.row.classList.add("total");
      const number = document.createElement("input");
      number.type = "number";
      number.min = "0";
      number.max = String(l.max);
      number.step = "any";
      number.value = fmt(l.total, 2);
      number.setAttribute("aria-label", `${decl.key} total (${unit})`);
      number.addEventListener("change", () => {
        const v = Math.min(Math.max(Number(number.value) || 0, 0), l.max);
        l.total = v;
        total.input.value = String(v);
        changed(decl.key);
      });
      total.out.replaceWith(number);
      fs.append(total.row, text("p", `0 to ${l.max} ${unit} over ${years[1]}–${years[years.length - 1]}`, "bounds"));
      fs.append(text("p", "By year (share of the total)", "group"));
      for (let y = 1; y < years.length; ++y) {
        const c = slider(String(years[y]), 100 * l.years[y], 100, "%", (v) => {
          l.years[y] = v / 100;
          changed(decl.key);
        }, `lever-${decl.key}-year-${years[y]}`);
        c.out.dataset.kind = "year";
        c.out.dataset.index = String(y);
        fs.append(c.row);
      }
      fs.append(text("p", decl.shape === "year_by_sector" ? "By sector (share of every year's amount)"
        : "Allocation across sectors", "group"));
      sectors.forEach((s, k) => {
        const c = slider(s.name_en || s.id, 100 * l.sectors[k], 100, "%", (v) => {
          l.sectors[k] = v / 100;
          changed(decl.key);
        }, `lever-${decl.key}-sector-${s.id}`);
        c.row.title = `${s.id} ${s.name_zh || ""}`;
        c.out.dataset.kind = "sector";
        c.out.dataset.index = String(k);
        fs.append(c.row);
      });
      box.append(fs);
      labelLever(decl.key);
    }
  }

  // The amounts each control stands for, beside it.
  function labelLever(key) {
    const l = state.levers[key];
    const fs = document.querySelector(`fieldset[data-lever="${key}"]`);
    const ys = shares(l.years), ss = shares(l.sectors);
    for (const out of fs.querySelectorAll("output[data-kind]")) {
      const i = Number(out.dataset.index);
      out.textContent = out.dataset.kind === "year" ? `${fmt(l.total * ys[i], 2)}` : `${fmt(100 * ss[i], 1)}%`;
    }
  }

  function loadScenario(name) {
    state.scenario = name;
    state.touched.clear();
    const sc = state.info.scenarios.find((s) => s.name === name);
    state.levers = {};
    for (const decl of state.info.levers) {
      const setting = sc.levers.find((x) => x.key === decl.key) || { amounts: [], allocation: [] };
      const l = leverFromSetting(decl, setting, state.info.years, state.info.sectors);
      let most = 0;
      for (const other of state.info.scenarios) {
        const o = other.levers.find((x) => x.key === decl.key);
        if (o) most = Math.max(most, o.total);
      }
      l.max = niceMax(2 * most);
      state.levers[decl.key] = l;
    }
    $("title").textContent = sc.title_en || sc.name;
    $("about").textContent = sc.description || "";
    buildLevers();
    schedule(0);
  }

  // ------------------------------------------------------------- requests
  function request(charts) {
    const levers = {};
    for (const key of state.touched) levers[key] = leverSetting(state.levers[key]);
    return { scenario: state.scenario, levers, draws: state.info.draws, seed: state.info.seed, charts };
  }

  function changed(key) {
    state.touched.add(key);
    labelLever(key);
    schedule(DEBOUNCE_MS);
  }

  function schedule(ms) {
    clearTimeout(state.timer);
    state.timerPending = true;
    state.timer = setTimeout(() => {
      state.timerPending = false;
      send();
    }, ms);
  }

  async function send() {
    if (state.inflight) {
      state.pending = true;
      return;
    }
    state.inflight = true;
    state.pending = false;
    $("results").classList.add("busy");
    const started = performance.now();
    try {
      const res = await fetch("/api/simulate", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request(true)),
      });
      const body = await res.json();
      const received = performance.now();
      if (!res.ok) {
        showError(body.error || `HTTP ${res.status}`);
      } else if (!state.pending) {
        const redraw = draw(body);
        state.timings.push({ server_ms: body.elapsed_ms, round_trip_ms: received - started, redraw_ms: redraw });
      }
    } catch (e) {
      showError(String(e));
    } finally {
      state.inflight = false;
      $("results").classList.remove("busy");
      if (state.pending) send();
      const waiters = state.waiters;
      state.waiters = [];
      waiters.forEach((w) => w());
    }
  }

  function showError(message) {
    const e = $("error");
    e.textContent = message;
    e.hidden = false;
  }

  // ------------------------------------------------------------- drawing
  function proportionCell(p) {
    const td = text("td", undefined, "num");
    td.append(pct(p.p), document.createElement("br"), text("small", `${pct(p.low)}–${pct(p.high)}`));
    return td;
  }

  function summaryTable(r) {
    const box = text("section");
    box.id = "summary";
    box.append(text("h2", `Target probabilities · ${r.name} against ${r.baseline}`));
    box.append(text("p", `${r.draws.toLocaleString("en")} draws, seed ${r.seed}, common random numbers; ` +
      "Wilson 95% intervals, paired (Newcombe) interval of the difference.", "note"));
    const table = text("table", undefined, "live-targets");
    const head = text("tr");
    for (const h of ["Target", r.baseline, r.name, "Difference"]) head.append(text("th", h, h === "Target" ? "" : "num"));
    const thead = text("thead");
    thead.append(head);
    const tbody = text("tbody");
    const row = (label, detail, b, m, d, id) => {
      const tr = text("tr");
      tr.dataset.target = id;
      const th = text("th");
      th.append(label);
      if (detail) th.append(document.createElement("br"), text("small", detail));
      const dc = text("td", undefined, "num " + (d.diff > 0 ? "up" : d.diff < 0 ? "down" : ""));
      dc.append(pp(d.diff), document.createElement("br"), text("small", `[${pp(d.low)}, ${pp(d.high)}]`));
      tr.append(th, proportionCell(b), proportionCell(m), dc);
      tbody.append(tr);
    };
    for (const t of r.targets) {
      row(t.label_en || t.id, `${t.indicator} ${t.op} ${t.threshold} in ${t.year}`, t.baseline, t.mix, t.difference, t.id);
    }
    if (r.targets.length) row("All targets met", "each in its own year", r.all_targets.baseline, r.all_targets.mix,
      r.all_targets.difference, "all");
    table.append(thead, tbody);
    box.append(table);
    if (r.appraisal) {
      const a = r.appraisal;
      box.append(text("p", `Cost ${fmt(a.cost.mean, 1)} 亿元 [${fmt(a.cost.ci_low, 1)}, ${fmt(a.cost.ci_high, 1)}], ` +
        `district revenue ${fmt(a.revenue.mean, 1)} 亿元, benefit–cost ratio ${fmt(a.bcr, 2)}, ` +
        `P(revenue > cost) ${pct(a.revenue_exceeds_cost.p)} (discounted at ${pct(a.discount_rate)}).`, "note appraisal"));
    }
    return box;
  }

  function draw(r) {
    const t0 = performance.now();
    $("error").hidden = true;
    $("summary").replaceWith(summaryTable(r));
    $("chart-targets").innerHTML = r.charts.targets;
    $("chart-comparison").innerHTML = r.charts.comparison;
    $("chart-mix").innerHTML = r.charts.mix;
    $("chart-baseline").innerHTML = r.charts.baseline;
    void document.body.offsetHeight;  // the layout, in the time measured
    const ms = performance.now() - t0;
    state.last = r;
    $("status").textContent = `${r.draws.toLocaleString("en")} draws · server ${fmt(r.elapsed_ms, 0)} ms · ` +
      `redrawn in ${fmt(ms, 0)} ms`;
    return ms;
  }

  // ------------------------------------------------------------- save
  async function scenarioFile() {
    const res = await fetch("/api/scenario-file", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request(false)),
    });
    if (!res.ok) throw new Error((await res.json()).error);
    const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    return { name: name ? name[1] : "mix.yaml", text: await res.text() };
  }

  async function save() {
    try {
      const file = await scenarioFile();
      const url = URL.createObjectURL(new Blob([file.text], { type: "application/yaml" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = file.name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      showError(String(e.message || e));
    }
  }

  // For scripts and the browser test: the state, and a promise that
  // resolves once no change is waiting to be drawn.
  window.sectorsim = {
    state,
    scenarioFile,
    idle: () => new Promise((resolve) => {
      const check = () => {
        if (!state.inflight && !state.pending && state.last && !state.timerPending) resolve();
        else state.waiters.push(check);
      };
      check();
    }),
  };

  async function start() {
    try {
      const res = await fetch("/api/scenarios");
      state.info = await res.json();
    } catch (e) {
      showError(String(e));
      return;
    }
    const select = $("scenario");
    for (const s of state.info.scenarios) {
      const o = text("option", s.name + (s.name === state.info.baseline ? " (baseline)" : ""));
      o.value = s.name;
      select.append(o);
    }
    select.value = state.info.default;
    select.addEventListener("change", () => loadScenario(select.value));
    $("reset").addEventListener("click", () => loadScenario(state.scenario));
    $("save").addEventListener("click", save);
    loadScenario(state.info.default);
  }

  start();
})();
