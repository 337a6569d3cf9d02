// SPDX-License-Identifier: ISC
// t/runner.mjs: run one GitHub Actions workflow here the way a runner does,
// for the tests (t/5011).  GitHub's own packages do the parts that decide:
// @actions/workflow-parser reads and validates the file, and
// @actions/expressions evaluates every ${{ }} and if: with only the
// contexts GitHub makes available at that point (a job's if: sees github,
// needs, vars and inputs, and vars there are the repository's and the
// organisation's, never an environment's).  Steps run in order in a
// scratch workspace with GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH and
// GITHUB_STEP_SUMMARY files; ::add-mask:: is honoured in the log.
//
//   node runner.mjs CONFIG.json  >report.json   (the log on stderr)
//
// CONFIG: workflow (file), event_name, event (payload), repository,
// github_token, vars {org, repo, env}, secrets {org, repo, env}, inputs,
// workspace, temp, env (the process environment of the runner), actions
// ({"owner/name/path": directory} for uses: of composite actions),
// checkout ({"owner/name": git URL} for actions/checkout), cache_dir (the
// store behind actions/cache).  Other actions are refused: the harness
// emulates only what the workflows use.
//
// The report: {triggered, jobs: {ID: {ran, if, result, steps: [{name, id,
// ran, outcome, outputs}], checkouts: [...]}}, summary, masked_leaks}.
import { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } from "@actions/workflow-parser";
import { Lexer, Parser, Evaluator, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import YAML from "yaml";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const log = (s) => process.stderr.write(mask(s) + "\n");
const masks = [], rawLog = [];
function mask(s) {
  for (const m of masks) if (m) s = s.split(m).join("***");
  return s;
}

// -- expressions ----------------------------------------------------------

const toData = (v) => JSON.parse(JSON.stringify(v ?? null), data.reviver);
const STATUS = ["success", "failure", "cancelled", "always"];

// evaluate SRC (an expression without ${{ }}) with the contexts CTX (plain
// objects); names outside CTX are a parse error, as on GitHub.
function evaluate(src, ctx, status) {
  const lr = new Lexer(src).lex();
  const funcs = STATUS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  funcs.push({ name: "hashFiles", minArgs: 1, maxArgs: 255 });
  const expr = new Parser(lr.tokens, Object.keys(ctx), funcs).parse();
  const impl = new Map([
    ["success", { name: "success", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status === "success") }],
    ["failure", { name: "failure", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status === "failure") }],
    ["cancelled", { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(false) }],
    ["always", { name: "always", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) }],
    ["hashFiles", { name: "hashFiles", minArgs: 1, maxArgs: 255, call: () => new data.StringData("") }],
  ]);
  const pairs = Object.entries(ctx).map(([key, v]) => ({ key, value: toData(v) }));
  return new Evaluator(expr, new data.Dictionary(...pairs), impl).evaluate();
}

// An if: condition.  Without a status function, success() && (...) is
// implied (GitHub's "Expressions" reference).
function condition(src, ctx, status) {
  if (src === undefined || src === null) src = "success()";
  src = String(src).trim();
  const m = src.match(/^\$\{\{([\s\S]*)\}\}$/);
  if (m) src = m[1].trim();
  if (!/\b(success|failure|cancelled|always)\s*\(/.test(src)) src = `success() && (${src})`;
  return truthy(evaluate(src, ctx, status));
}

// A value with ${{ }} inside: one whole expression keeps its type, a
// string with several is their strings joined.
function interpolate(v, ctx, status) {
  if (typeof v !== "string") return v;
  const parts = [];
  let rest = v, whole = null;
  const re = /\$\{\{([\s\S]*?)\}\}/;
  let m;
  while ((m = rest.match(re))) {
    parts.push(rest.slice(0, m.index));
    const r = evaluate(m[1].trim(), ctx, status);
    if (m.index === 0 && m[0].length === v.length) whole = r;
    parts.push(r.coerceString());
    rest = rest.slice(m.index + m[0].length);
  }
  if (whole) return JSON.parse(JSON.stringify(whole, data.replacer));
  parts.push(rest);
  return parts.join("");
}
const str = (v) => (v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));

// -- the workflow ---------------------------------------------------------

const content = fs.readFileSync(cfg.workflow, "utf8");
const trace = new NoOperationTraceWriter();
const parsed = parseWorkflow({ name: cfg.workflow, content }, trace);
let errors = parsed.context.errors.getErrors().map((e) => e.message);
if (!errors.length && parsed.value) {
  const t = await convertWorkflowTemplate(parsed.context, parsed.value);
  errors = (t.errors || []).map((e) => e.Message || e.message || JSON.stringify(e));
}
if (errors.length) {
  for (const e of errors) log(`workflow: ${e}`);
  process.exit(2);
}
const wf = YAML.parse(content);

function triggered() {
  const on = wf.on ?? wf[true];
  const names = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on);
  if (!names.includes(cfg.event_name)) return false;
  const spec = typeof on === "object" && !Array.isArray(on) ? on[cfg.event_name] : null;
  if (spec && spec.types && cfg.event && cfg.event.action) return spec.types.includes(cfg.event.action);
  return true;
}

const report = { triggered: triggered(), jobs: {}, summary: "" };
const ws = cfg.workspace, temp = cfg.temp;
fs.mkdirSync(ws, { recursive: true });
fs.mkdirSync(temp, { recursive: true });
const [owner] = cfg.repository.split("/");
const github = {
  event_name: cfg.event_name, event: cfg.event || {}, repository: cfg.repository,
  repository_owner: owner, run_id: String(cfg.run_id || 1000), run_number: "1", run_attempt: "1",
  sha: "0".repeat(40), ref: "refs/heads/main", ref_name: "main", workspace: ws,
  server_url: cfg.server_url || "https://github.com", api_url: cfg.env.GITHUB_API_URL || "https://api.github.com",
  token: cfg.github_token || "", actor: "glow-facilitator", job: "", action_path: "",
};
masks.push(cfg.github_token);
const runner = { os: "Linux", arch: "X64", name: "glow-harness", temp, tool_cache: path.join(temp, "tools") };
const merge = (...xs) => Object.assign({}, ...xs.map((x) => x || {}));

let counter = 0;
function files() {
  const n = ++counter, f = {};
  for (const k of ["output", "env", "path", "summary"]) {
    f[k] = path.join(temp, `_runner_${k}_${n}`);
    fs.writeFileSync(f[k], "");
  }
  return f;
}
// GITHUB_OUTPUT and GITHUB_ENV: NAME=value lines and NAME<<DELIM blocks.
function readKV(file) {
  const out = {}, lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const h = l.match(/^([^=<]+)<<(.+)$/);
    if (h) {
      const v = [];
      while (++i < lines.length && lines[i] !== h[2]) v.push(lines[i]);
      out[h[1]] = v.join("\n");
    } else {
      const e = l.indexOf("=");
      if (e > 0) out[l.slice(0, e)] = l.slice(e + 1);
    }
  }
  return out;
}

// One run: step (script in SHELL) with environment ENV; returns its exit.
function runScript(script, shell, env, cwd) {
  const f = path.join(temp, `_runner_script_${++counter}.sh`);
  fs.writeFileSync(f, script);
  const argv = !shell || shell === "bash" ? ["bash", "--noprofile", "--norc", "-eo", "pipefail", f]
    : shell === "sh" ? ["sh", "-e", f] : null;
  if (!argv) throw new Error(`shell '${shell}' is not emulated`);
  const r = spawnSync(argv[0], argv.slice(1), { cwd, env, encoding: "utf8", maxBuffer: 64 << 20 });
  for (const stream of [r.stdout, r.stderr]) {
    for (const l of (stream || "").split("\n")) {
      const m = l.match(/^::add-mask::(.*)$/);
      if (m) { masks.push(m[1]); continue; }
      if (l) log(`  | ${l}`);
      rawLog.push(l);
    }
  }
  return r.status === null ? 1 : r.status;
}

// -- steps ----------------------------------------------------------------

function stepContexts(job) {
  return {
    github: merge(github, { action_path: job.action_path || "" }), needs: {}, strategy: {}, matrix: {},
    job: { status: job.status }, runner, env: job.env, vars: job.vars, steps: job.steps, inputs: job.inputs,
  };
}

// Run the steps of a job or a composite action in JOB (its env, steps
// and status are updated).
function runSteps(steps, job, where) {
  for (const [i, st] of steps.entries()) {
    const name = st.name || st.uses || (st.run || "").split("\n")[0];
    const id = st.id || `__${where}_${i}`;
    const ctx = stepContexts(job);
    const rec = { name, id, ran: false, outcome: "skipped", outputs: {} };
    if (!condition(st.if, ctx, job.status)) {
      log(`${where}: skip: ${name}`);
      job.steps[id] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
      job.record.push(rec);
      continue;
    }
    rec.ran = true;
    log(`${where}: run: ${name}`);
    const stepEnv = {};
    for (const [k, v] of Object.entries(st.env || {}))
      stepEnv[k] = str(interpolate(v, merge(ctx, { secrets: job.secrets }), job.status));
    let rc;
    const f = files();
    const base = merge(cfg.env, job.env, stepEnv, {
      GITHUB_OUTPUT: f.output, GITHUB_ENV: f.env, GITHUB_PATH: f.path, GITHUB_STEP_SUMMARY: f.summary,
      GITHUB_ACTIONS: "true", CI: "true", GITHUB_WORKSPACE: ws, RUNNER_TEMP: temp, RUNNER_OS: "Linux",
      GITHUB_REPOSITORY: cfg.repository, GITHUB_EVENT_NAME: cfg.event_name,
      GITHUB_EVENT_PATH: job.event_path, GITHUB_RUN_ID: github.run_id, GITHUB_SERVER_URL: github.server_url,
      GITHUB_API_URL: github.api_url, GITHUB_ACTION_PATH: job.action_path || "",
    });
    base.PATH = [...job.path, cfg.env.PATH].join(":");
    if (st.run !== undefined) {
      const script = str(interpolate(st.run, ctx, job.status));
      rc = runScript(script, st.shell || job.shell, base, ws);
    } else {
      const w = {};
      for (const [k, v] of Object.entries(st.with || {})) w[k] = str(interpolate(v, merge(ctx, { secrets: job.secrets }), job.status));
      rc = uses(st.uses, w, base, job, rec);
    }
    rec.outputs = merge(rec.outputs, readKV(f.output));
    Object.assign(job.env, readKV(f.env));
    for (const p of fs.readFileSync(f.path, "utf8").split("\n").filter(Boolean).reverse()) job.path.unshift(p);
    job.summary.push(fs.readFileSync(f.summary, "utf8"));
    rec.outcome = rc === 0 ? "success" : "failure";
    if (rc !== 0) {
      log(`${where}: failed (exit ${rc}): ${name}`);
      if (!st["continue-on-error"]) job.status = "failure";
    }
    job.steps[id] = { outcome: rec.outcome, conclusion: rec.outcome, outputs: rec.outputs };
    job.record.push(rec);
  }
}

function uses(ref, w, env, job, rec) {
  const target = ref.split("@")[0];
  if (target.startsWith("./") || cfg.actions[target]) {
    const dir = target.startsWith("./") ? path.join(ws, target) : cfg.actions[target];
    return composite(dir, w, job, rec);
  }
  if (target === "actions/checkout") return checkout(w, job);
  if (target === "actions/cache/restore" || target === "actions/cache/save") return cache(target, w, rec);
  throw new Error(`the harness does not emulate ${ref}`);
}

function composite(dir, w, job, rec) {
  const file = ["action.yml", "action.yaml"].map((n) => path.join(dir, n)).find((f) => fs.existsSync(f));
  const action = YAML.parse(fs.readFileSync(file, "utf8"));
  if (action.runs.using !== "composite") throw new Error(`${dir}: only composite actions are emulated`);
  const inputs = {};
  for (const [k, spec] of Object.entries(action.inputs || {})) inputs[k] = w[k] ?? str(spec.default ?? "");
  const inner = {
    env: merge(job.env), vars: job.vars, secrets: {}, inputs, steps: {}, status: "success",
    path: job.path, summary: job.summary, record: [], action_path: dir, event_path: job.event_path,
  };
  runSteps(action.runs.steps, inner, path.basename(dir));
  const ctx = stepContexts(inner);
  for (const [k, o] of Object.entries(action.outputs || {})) rec.outputs[k] = str(interpolate(o.value, ctx, "success"));
  return inner.status === "success" ? 0 : 1;
}

// actions/checkout: a clone of the repository's git URL from the config,
// with the token it was given (recorded by kind, never by value).
function checkout(w, job) {
  const repo = w.repository || cfg.repository;
  const url = cfg.checkout[repo];
  if (!url) { log(`checkout: no repository '${repo}' here`); return 1; }
  if (!w.token) { log("checkout: no token"); return 1; }
  const kind = w.token === cfg.github_token ? "github.token" : w.token.split("_")[0] + "_";
  job.checkouts.push({ repository: repo, token: kind });
  const dest = path.join(ws, w.path || ".");
  const r = spawnSync("git", ["clone", "-q", url, dest], { encoding: "utf8" });
  if (r.status !== 0) { log(`checkout: ${r.stderr}`); return 1; }
  return 0;
}

// actions/cache: save copies PATH under KEY; restore takes KEY, else the
// newest entry whose key starts with a restore-key.
function cache(which, w, rec) {
  const store = cfg.cache_dir;
  fs.mkdirSync(store, { recursive: true });
  const safe = (k) => k.replace(/[^A-Za-z0-9._-]/g, "_");
  if (which.endsWith("/save")) {
    const dst = path.join(store, safe(w.key));
    if (fs.existsSync(dst)) return 0;   // GitHub: a key is written once
    if (!fs.existsSync(w.path)) { log(`cache: nothing at ${w.path} to save`); return 0; }
    fs.cpSync(w.path, dst, { recursive: true });
    fs.utimesSync(dst, new Date(), new Date());
    return 0;
  }
  let hit = path.join(store, safe(w.key));
  let exact = fs.existsSync(hit);
  if (!exact) {
    hit = null;
    for (const p of (w["restore-keys"] || "").split("\n").map((s) => s.trim()).filter(Boolean)) {
      const c = fs.readdirSync(store).filter((k) => k.startsWith(safe(p)))
        .map((k) => path.join(store, k)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
      if (c.length) { hit = c[0]; break; }
    }
  }
  rec.outputs["cache-hit"] = String(exact);
  if (hit) fs.cpSync(hit, w.path, { recursive: true });
  return 0;
}

// -- jobs -----------------------------------------------------------------

if (report.triggered) {
  const eventPath = path.join(temp, "event.json");
  fs.writeFileSync(eventPath, JSON.stringify(cfg.event || {}));
  for (const [jid, j] of Object.entries(wf.jobs)) {
    const outside = merge(cfg.vars.org, cfg.vars.repo);    // what jobs.<id>.if sees
    const ifctx = { github: merge(github, { job: jid }), needs: {}, vars: outside, inputs: cfg.inputs || {} };
    const rj = { ran: false, if: true, result: "skipped", steps: [], checkouts: [] };
    report.jobs[jid] = rj;
    if (j.if !== undefined && !condition(j.if, ifctx, "success")) {
      rj.if = false;
      log(`job ${jid}: skipped by its if:`);
      continue;
    }
    // Inside its environment the job sees that environment's variables
    // and secrets too, over the repository's and the organisation's.
    const inEnv = !!j.environment;
    const vars = merge(cfg.vars.org, cfg.vars.repo, inEnv ? cfg.vars.env : {});
    const secrets = merge(cfg.secrets.org, cfg.secrets.repo, inEnv ? cfg.secrets.env : {},
      { GITHUB_TOKEN: cfg.github_token });
    for (const s of Object.values(secrets)) masks.push(s);
    const job = {
      env: {}, vars, secrets, inputs: cfg.inputs || {}, steps: {}, status: "success", path: [],
      summary: [], record: rj.steps, checkouts: rj.checkouts, event_path: eventPath,
      shell: j.defaults?.run?.shell,
    };
    const jctx = { github: ifctx.github, needs: {}, strategy: {}, matrix: {}, vars, secrets, inputs: job.inputs };
    for (const [k, v] of Object.entries(j.env || {})) job.env[k] = str(interpolate(v, jctx, "success"));
    rj.ran = true;
    runSteps(j.steps, job, jid);
    rj.result = job.status;
    report.summary += job.summary.join("");
  }
}
// A secret, or a value a step masked, printed by any step is a leak, masked
// or not (GitHub would hide it in the log; glow must not print it at all).
const raw = rawLog.join("\n");
const named = merge(cfg.secrets.org, cfg.secrets.repo, cfg.secrets.env, { GITHUB_TOKEN: cfg.github_token });
report.leaks = [...new Set(masks)].filter((v) => v && v.length > 3 && raw.includes(v))
  .map((v) => Object.keys(named).find((k) => named[k] === v) || "a value masked with ::add-mask::");
process.stdout.write(JSON.stringify(report, null, 1) + "\n");
