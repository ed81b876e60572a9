// The analyst page: a case form generated from the policy's case schema (GET /v1/schema), kept in
// step with the JSON text; every edit re-decides the case (POST /v1/report?fragment=true) and the
// page says what changed. Plain JavaScript, no build step, no external asset.
"use strict";

const state = {
  schema: null,
  case: null, // the case as JSON (the source of truth; the form and the text show it)
  previous: null, // what the last report showed: {outcome, points, rules: {id: [effect, title]}}
  edit: null, // the last field edited: {path, from, to}
  timer: null,
  request: 0,
  controller: null,
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function humanise(name) {
  const words = name.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ------------------------------------------------------------------ the schema, read as widgets

// A property's schema as {kind, optional, options, doc}: kind is one of
// enum | boolean | date | integer | money | text | record | list.
function fieldKind(schema) {
  let s = schema;
  let optional = false;
  if (s.anyOf) {
    optional = s.anyOf.some((x) => x.type === "null");
    s = s.anyOf.find((x) => x.type !== "null") || {};
  }
  const doc = schema.description || s.description || "";
  if (s.enum) return { kind: "enum", optional, options: s.enum, doc };
  if (s.type === "boolean") return { kind: "boolean", optional, doc };
  if (s.type === "object" && s.properties) return { kind: "record", optional, doc, schema: s };
  if (s.type === "array" && s.items) return { kind: "list", optional, doc, schema: s.items };
  if (s.format === "date") return { kind: "date", optional, doc };
  if (s.type === "integer") return { kind: "integer", optional, doc };
  if (Array.isArray(s.type) && s.pattern) return { kind: "money", optional, doc };
  return { kind: "text", optional, doc };
}

function getPath(obj, path) {
  return path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}

function setPath(obj, path, value) {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (o[k] === undefined || o[k] === null || typeof o[k] !== "object") o[k] = typeof k === "number" ? [] : {};
    o = o[k];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

function pathText(path) {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i ? `.${k}` : k)).join("");
}

// One labelled input for a scalar property; its value is read back by `widgetValue`.
function widget(name, path, info, required) {
  const id = "f-" + pathText(path).replace(/[^A-Za-z0-9_-]/g, "-");
  let input;
  if (info.kind === "enum" || (info.kind === "boolean" && info.optional)) {
    input = el("select", { id });
    if (info.optional || !required) input.append(el("option", { value: "", text: "— not given —" }));
    const options = info.kind === "enum" ? info.options : [true, false];
    for (const o of options) input.append(el("option", { value: JSON.stringify(o), text: String(o).replace(/_/g, " ") }));
  } else if (info.kind === "boolean") {
    input = el("input", { id, type: "checkbox" });
  } else if (info.kind === "date") {
    input = el("input", { id, type: "date" });
  } else if (info.kind === "integer") {
    input = el("input", { id, type: "number", step: "1", min: "0", inputmode: "numeric" });
  } else if (info.kind === "money") {
    input = el("input", { id, type: "text", inputmode: "decimal", placeholder: "0.00" });
  } else if (name === "about") {
    input = el("textarea", { id, rows: "2" });
  } else {
    input = el("input", { id, type: "text" });
  }
  input.dataset.path = JSON.stringify(path);
  input.dataset.kind = info.kind;
  input.dataset.optional = String(info.optional || !required);
  const row = el("div", { class: "field", "data-field": pathText(path) },
    el("label", { for: id, text: humanise(name), title: info.doc }), input);
  if (info.doc) row.append(el("div", { class: "doc", text: info.doc }));
  return row;
}

function widgetValue(input) {
  const kind = input.dataset.kind;
  const optional = input.dataset.optional === "true";
  if (input.tagName === "SELECT") return input.value === "" ? undefined : JSON.parse(input.value);
  if (kind === "boolean") return input.checked;
  const raw = input.value.trim();
  if (raw === "") return !optional && kind === "text" ? "" : undefined; // left out: the server says if it must be given
  if (kind === "integer") return /^-?\d+$/.test(raw) ? Number(raw) : raw; // a non-number: the server names it
  return raw;
}

function showValue(input, value) {
  if (input.tagName === "SELECT") input.value = value === undefined || value === null ? "" : JSON.stringify(value);
  else if (input.dataset.kind === "boolean") input.checked = value === true;
  else input.value = value === undefined || value === null ? "" : String(value);
}

// ------------------------------------------------------------------ the form

// The groups an analyst looks for first; any other record or list follows, in the policy's order.
const FIRST = ["applicant", "employment", "work", "english", "partners", "children"];

function buildForm() {
  const form = $("case-form");
  form.replaceChildren();
  const rank = (name) => (FIRST.includes(name) ? FIRST.indexOf(name) : FIRST.length);
  const names = Object.keys(state.schema.properties);
  const props = Object.fromEntries(
    names.map((n, i) => [n, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
      .map(([n]) => [n, state.schema.properties[n]]));
  const required = new Set(state.schema.required || []);
  const top = el("fieldset", {}, el("legend", { text: "The application" }));
  form.append(top);
  for (const [name, s] of Object.entries(props)) {
    if (name === "expect") continue; // what a worked case expects: kept in the JSON, not a fact of the case
    const info = fieldKind(s);
    if (info.kind === "record") {
      const set = el("fieldset", { "data-group": name }, el("legend", { text: humanise(name) }));
      if (info.doc) set.append(el("p", { class: "group-doc", text: info.doc }));
      const inner = new Set(info.schema.required || []);
      for (const [field, fs] of Object.entries(info.schema.properties)) {
        set.append(widget(field, [name, field], fieldKind(fs), inner.has(field)));
      }
      form.append(set);
    } else if (info.kind === "list") {
      form.append(listGroup(name, info));
    } else {
      top.append(widget(name, [name], info, required.has(name)));
    }
  }
}

function listGroup(name, info) {
  const set = el("fieldset", { "data-group": name }, el("legend", { text: humanise(name) }));
  if (info.doc) set.append(el("p", { class: "group-doc", text: info.doc }));
  const items = (state.case && state.case[name]) || [];
  if (!items.length) set.append(el("p", { class: "list-empty", text: "none" }));
  const fields = Object.entries(info.schema.properties);
  const needed = new Set(info.schema.required || []);
  items.forEach((_, i) => {
    const remove = el("button", { type: "button", class: "remove", text: "remove" });
    remove.addEventListener("click", () => {
      const list = state.case[name];
      list.splice(i, 1);
      noteEdit(`${name}[${i}]`, "an entry", "removed");
      caseChanged({ rebuild: true });
    });
    const box = el("div", { class: "list-item" },
      el("div", { class: "list-item-head" }, el("span", { text: `${humanise(name)} ${i + 1}` }), remove));
    for (const [field, fs] of fields) box.append(widget(field, [name, i, field], fieldKind(fs), needed.has(field)));
    set.append(box);
  });
  const add = el("button", { type: "button", class: "add", text: `add to ${name.replace(/_/g, " ")}` });
  add.addEventListener("click", () => {
    if (!state.case) state.case = {};
    (state.case[name] = state.case[name] || []).push({});
    noteEdit(`${name}[${state.case[name].length - 1}]`, "none", "a new entry");
    caseChanged({ rebuild: true, decide: false });
  });
  set.append(add);
  return set;
}

function fillForm() {
  for (const input of $("case-form").querySelectorAll("[data-path]")) {
    showValue(input, getPath(state.case || {}, JSON.parse(input.dataset.path)));
  }
}

function onFormEdit(event) {
  const input = event.target;
  if (!input.dataset || !input.dataset.path) return;
  const path = JSON.parse(input.dataset.path);
  if (!state.case) state.case = {};
  const before = getPath(state.case, path);
  const after = widgetValue(input);
  if (JSON.stringify(before) === JSON.stringify(after)) return; // an "input" and a "change" for one edit
  setPath(state.case, path, after);
  for (const f of document.querySelectorAll(".field.edited")) f.classList.remove("edited");
  input.closest(".field").classList.add("edited");
  noteEdit(pathText(path), before, after);
  caseChanged({ rebuild: false, fromForm: true });
}

function noteEdit(path, from, to) {
  const show = (v) => (v === undefined || v === null ? "not given" : typeof v === "string" ? v : JSON.stringify(v));
  // keystrokes in one field since the last decision are one edit: from the value that was decided
  const first = state.edit && state.edit.path === path ? state.edit.from : show(from);
  state.edit = { path, from: first, to: show(to) };
}

// ------------------------------------------------------------------ the case, as text

function caseChanged({ rebuild = false, fromForm = false, fromText = false, decide = true } = {}) {
  if (rebuild) {
    buildForm();
    fillForm();
  } else if (!fromForm) {
    fillForm();
  }
  if (!fromText) $("case-json").value = JSON.stringify(state.case, null, 2);
  $("save-report").disabled = !state.case;
  if (decide) schedule();
}

function loadText(text, source) {
  try {
    const data = JSON.parse(text);
    if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("the file must hold one JSON object");
    $("json-error").textContent = "";
    state.case = data;
    state.source = source;
    return true;
  } catch (e) {
    $("json-error").textContent = `${source}: not valid JSON: ${e.message}`;
    return false;
  }
}

// ------------------------------------------------------------------ deciding

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(decide, 250);
}

function reportUrl(fragment) {
  const q = new URLSearchParams({ fragment: String(fragment), what_if: String($("what-if").checked) });
  if (state.source) q.set("source", state.source);
  return "/v1/report?" + q;
}

async function decide() {
  if (!state.case) return;
  const mine = ++state.request;
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  const status = $("status");
  status.textContent = "Deciding";
  status.classList.add("busy");
  let response;
  try {
    response = await fetch(reportUrl(true), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(state.case),
      signal: state.controller.signal,
    });
  } catch (e) {
    if (e.name === "AbortError") return;
    status.classList.remove("busy");
    status.textContent = `The server did not answer: ${e.message}`;
    return;
  }
  if (mine !== state.request) return; // a newer edit is on its way
  status.classList.remove("busy");
  if (response.status === 422 || response.status === 413) {
    showProblems(await response.json());
    $("changes").hidden = true;
    $("result").classList.add("stale"); // the last valid case's report, greyed out until the case is fixed
    status.textContent = "The case does not fit the policy: see the problems below. The report is for the last valid case.";
    return;
  }
  if (!response.ok) {
    showProblems({ problems: [`the server answered ${response.status}: ${(await response.text()).slice(0, 300)}`] });
    return;
  }
  const html = await response.text();
  showProblems(null);
  $("result").innerHTML = html; // rendered by the server's autoescaped templates
  $("result").classList.remove("stale");
  const now = summarise();
  showChanges(state.previous, now, state.edit);
  state.previous = now;
  state.edit = null;
  status.textContent = `Decided ${new Date().toLocaleTimeString()}.`;
}

function showProblems(body) {
  const box = $("problems");
  for (const f of document.querySelectorAll(".field.invalid")) f.classList.remove("invalid");
  if (!body) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const list = el("ul");
  for (const p of body.problems || [body.message]) {
    list.append(el("li", { text: p }));
    const field = document.querySelector(`.field[data-field="${CSS.escape(p.split(":")[0])}"]`);
    if (field) field.classList.add("invalid");
  }
  box.replaceChildren(el("h2", { text: "The case is not valid" }), list);
  box.hidden = false;
}

// What the report shows, read from its data attributes: the outcome, the points, each rule's result.
function summarise() {
  const result = $("result");
  const outcome = result.querySelector("[data-outcome]");
  const points = result.querySelector(".points");
  const rules = {};
  for (const r of result.querySelectorAll("details.rule[data-rule]")) {
    const title = r.querySelector("summary");
    rules[r.dataset.rule] = [r.dataset.effect, title ? title.textContent.trim() : r.dataset.rule];
  }
  return {
    outcome: outcome ? outcome.dataset.outcome : "",
    outcomeText: outcome ? outcome.textContent : "",
    points: points ? points.textContent : "",
    rules,
  };
}

function showChanges(before, after, edit) {
  const box = $("changes");
  if (!before) {
    box.hidden = true;
    return;
  }
  const items = [];
  if (before.outcome !== after.outcome) items.push(`Outcome: ${before.outcomeText} → ${after.outcomeText}`);
  if (before.points !== after.points && (before.points || after.points)) {
    items.push(`Points: ${before.points || "none"} → ${after.points || "none"}`);
  }
  const effect = (e) => (e || "not shown").replace(/_/g, " ");
  for (const id of new Set([...Object.keys(before.rules), ...Object.keys(after.rules)])) {
    const a = before.rules[id], b = after.rules[id];
    if (!a || !b || a[0] !== b[0]) items.push(`${id}: ${effect(a && a[0])} → ${effect(b && b[0])}`);
  }
  const head = edit ? `What changed when ${edit.path} went from ${edit.from} to ${edit.to}` : "What changed";
  const list = el("ul");
  for (const t of items.length ? items : ["nothing: the same outcome and the same result for every rule"]) {
    list.append(el("li", { text: t }));
  }
  box.replaceChildren(el("h2", { text: head }), list);
  box.hidden = false;
}

async function saveReport() {
  const response = await fetch(reportUrl(false), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(state.case),
  });
  if (!response.ok) return showProblems(await response.json());
  const blob = new Blob([await response.text()], { type: "text/html" });
  const link = el("a", { href: URL.createObjectURL(blob), download: "visa-rules-report.html" });
  document.body.append(link);
  link.click();
  link.remove();
}

// ------------------------------------------------------------------ start

async function start() {
  const [schema, policy] = await Promise.all([
    fetch("/v1/schema").then((r) => r.json()),
    fetch("/v1/policy").then((r) => r.json()),
  ]);
  state.schema = schema;
  const current = Object.entries(policy.version_in_force).map(([c, v]) => `${c}: ${v || "none"}`).join("; ");
  const version = `${current} (in force today)`;
  $("policy-info").textContent =
    `Policy: ${policy.title} (digest ${policy.digest}) · instructions: ${version} · visa-rules ${policy.tool_version}`;
  buildForm();
  const form = $("case-form");
  form.addEventListener("input", onFormEdit);
  form.addEventListener("change", onFormEdit);
  form.addEventListener("submit", (e) => e.preventDefault());
  $("upload").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    if (loadText(await file.text(), file.name)) {
      state.previous = null;
      state.edit = null;
      caseChanged({ rebuild: true });
    }
    e.target.value = "";
  });
  $("case-json").addEventListener("input", (e) => {
    if (loadText(e.target.value, state.source || "pasted case")) {
      state.edit = { path: "the JSON", from: "the case before", to: "the case as edited" };
      caseChanged({ rebuild: true, fromText: true });
    }
  });
  $("what-if").addEventListener("change", schedule);
  $("save-report").addEventListener("click", saveReport);
}

document.addEventListener("DOMContentLoaded", start);
