#!/bin/sh
# SPDX-License-Identifier: ISC
# The workflows, the install-glow action and the registration issue form:
# GitHub's own workflow parser (@actions/workflow-parser, from npm) accepts
# them, every third-party action is pinned by commit SHA to a Node 24
# release and glow's own install action to this tree's release, the YAML
# only wires names the seeds define to glow-cohort, and the form's answers
# are what glow-roster intake reads.  t/5011 runs them.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

cd "$GLOW_SRC" || exit 1
yamls=$(ls .github/workflows/*.yml examples/workflows/*.yml .github/actions/*/action.yml \
	.github/ISSUE_TEMPLATE/*.yml)
workflows=$(ls .github/workflows/*.yml examples/workflows/*.yml)
cd "$TRASH" || exit 1

test_expect_success 'there are workflows, an action and a form to check' '
	for f in examples/workflows/provision.yml examples/workflows/register.yml \
		examples/workflows/credentials.yml .github/workflows/ci.yml \
		.github/workflows/release.yml .github/actions/install-glow/action.yml \
		.github/ISSUE_TEMPLATE/register.yml; do
		test -f "$GLOW_SRC/$f" || { echo "missing $f"; exit 1; }
	done
'

version=$(sed -n "s/^VERSION *= *//p" "$GLOW_SRC/Makefile")
test_expect_success 'every uses: is pinned to a full commit SHA (glow'"'"'s own action: this release)' '
	for f in $yamls; do
		grep -n "^[[:space:]-]*uses:" "$GLOW_SRC/$f" | sed "s|^|$f:|"
	done >uses &&
	test -s uses &&
	grep -v -E "uses: *(\./|[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}( |$))" uses |
		grep -v -F "uses: glow-toolkit/glow/.github/actions/install-glow@v$version" >unpinned;
	test_cmp /dev/null unpinned &&
	grep -q "install-glow@v$version" uses
'

# The Node 24 releases of the actions used (GitHub's runners dropped Node
# 20 in 2026), by the commit each tag names.
test_expect_success 'the pinned actions are their Node 24 releases' '
	cat >node24 <<-\EOF &&
	actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
	actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
	actions/cache/save@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5
	actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0
	actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1
	actions/attest-build-provenance@a2bbfa25375fe432b6a289bc6b6cd05ecd0c4c32 # v4.1.0
	EOF
	sed -n "s/.*uses: *\(actions\/.*\)/\1/p" uses | sort -u >used &&
	test -s used &&
	while read -r u; do grep -qxF "$u" node24 || { echo "not a known Node 24 pin: $u"; exit 1; }; done <used
'

test_expect_success 'the install action pins this version'"'"'s release archive' '
	grep -E "^[0-9a-f]{64}  glow-$version-linux-x86_64\.tar\.gz\$" \
		"$GLOW_SRC/.github/actions/install-glow/SHA256SUMS"
'

test_expect_success 'each pinned action names its version in a comment' '
	grep -E "@[0-9a-f]{40}" uses >pinned &&
	test -s pinned &&
	! grep -v -E "@[0-9a-f]{40} # v[0-9]" pinned
'

test_expect_success 'glow'"'"'s own repository runs only its CI and its release' '
	(cd "$GLOW_SRC/.github/workflows" && ls) >own &&
	printf "ci.yml\nrelease.yml\n" >expect &&
	test_cmp expect own
'

test_expect_success 'the workflows use only the seeds'"'"' variables and secrets' '
	for f in $workflows; do
		grep -o -E "(vars|secrets)\.[A-Za-z0-9_]+" "$GLOW_SRC/$f"
	done | sort -u >names &&
	cat >allowed <<-\EOF &&
	secrets.PRIVATE_STUDENT_DATA_TOKEN
	secrets.PROVISIONING_APP_ID
	secrets.PROVISIONING_APP_INSTALLATION_ID
	secrets.PROVISIONING_APP_PRIVATE_KEY
	secrets.PROVISIONING_TOKEN
	vars.ADMIN_ROSTER_REPO
	vars.ENROLLMENT_REPO
	vars.GLOW_COHORT
	vars.LEARNING_ROOM_TEMPLATE_REPO
	vars.PROVISIONING_COMMENT
	vars.PROVISIONING_MODE
	vars.PROVISIONING_STUDENT_OWNER
	EOF
	comm -23 names allowed >unknown &&
	test_cmp /dev/null unknown &&
	grep -q secrets.PROVISIONING_APP_PRIVATE_KEY names
'

test_expect_success 'the workflows only wire: every run step outside CI is glow-cohort' '
	for f in provision register credentials; do
		sed -n "/^ *run: |$/{n;p;}; /^ *run: [^|]/p" "$GLOW_SRC/examples/workflows/$f.yml"
	done | sed "s/^ *\(run: \)\{0,1\}//" >runs &&
	test -s runs &&
	! grep -v "^glow-cohort " runs
'

test_expect_success 'no secret is put on a command line' '
	! grep -n "run:.*secrets\." $(for f in $workflows; do echo "$GLOW_SRC/$f"; done)
'

test_expect_success 'provisioning: twice an hour off :00 and :30, dry_run, dispatch, one at a time, environment' '
	f=$GLOW_SRC/examples/workflows/provision.yml &&
	test_grep "cron: \"17,47 \* \* \* \*\"" "$f" &&
	! grep -E "cron: \"(0|30|\*/30|\*/15|0,30)[ ,]" "$f" &&
	test_grep "^  workflow_dispatch:" "$f" &&
	test_grep "^      dry_run:" "$f" &&
	test_grep "^  repository_dispatch:" "$f" &&
	test_grep "^concurrency:" "$f" &&
	test_grep "cancel-in-progress: false" "$f" &&
	test_grep "environment: provisioning" "$f" &&
	test_grep "glow-cohort .*commit" "$f" &&
	test_grep "glow-cohort .*alert" "$f"
'

test_expect_success 'the weekly health check runs check-auth' '
	f=$GLOW_SRC/examples/workflows/credentials.yml &&
	test_grep "cron: \"[0-9]* [0-9]* \* \* [0-6]\"" "$f" &&
	test_grep "glow-cohort check-auth" "$f"
'

# GitHub's own parser, from npm, bounded; skipped when npm cannot get it.
npm_dir=$GLOW_BUILD/npm
if test_npm @actions/workflow-parser &&
   test -f "$npm_dir/node_modules/yaml/package.json"; then
	cp "$T_DIR/json-hooks.mjs" "$T_DIR/json-register.mjs" "$npm_dir/"
	cat >"$npm_dir/glow-lint.mjs" <<-\EOF
	import { parseWorkflow, NoOperationTraceWriter, convertWorkflowTemplate } from "@actions/workflow-parser";
	import { parseAction } from "@actions/workflow-parser/actions/action-parser";
	import fs from "node:fs";
	const trace = new NoOperationTraceWriter();
	let bad = 0;
	for (const f of process.argv.slice(2)) {
	  const content = fs.readFileSync(f, "utf8");
	  const action = /action\.ya?ml$/.test(f);
	  const r = action ? parseAction({ name: f, content }, trace)
	                   : parseWorkflow({ name: f, content }, trace);
	  let errs = r.context.errors.getErrors().map(e => e.message);
	  if (!action && errs.length === 0 && r.value) {
	    const t = await convertWorkflowTemplate(r.context, r.value);
	    errs = (t.errors || []).map(e => e.Message || e.message || JSON.stringify(e));
	  }
	  if (!r.value && errs.length === 0) errs = ["nothing parsed"];
	  for (const e of errs) console.log(`${f}: ${e}`);
	  if (errs.length) bad++; else console.log(`${f}: ok`);
	}
	process.exit(bad ? 1 : 0);
	EOF
	lint() { (cd "$npm_dir" && node --import ./json-register.mjs glow-lint.mjs "$@"); }
	# Can this node run the parser at all (module hooks: node 18.19, 20.6)?
	printf 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n' >good.yml
	lint "$TRASH/good.yml" >lint.out 2>&1 || {
		sed 's/^/# /' lint.out
		test_skip 'GitHub'"'"'s workflow parser accepts every workflow' "this node cannot load @actions/workflow-parser"
		test_done
	}

	test_expect_success 'GitHub'"'"'s workflow parser accepts every workflow' '
		lint $(for f in $workflows; do echo "$GLOW_SRC/$f"; done) >lint.out ||
		{ cat lint.out; exit 1; }
		test_grep "provision.yml: ok" lint.out
	'

	test_expect_success 'and the install-glow action' '
		lint "$GLOW_SRC/.github/actions/install-glow/action.yml" >lint.out ||
		{ cat lint.out; exit 1; }
	'

	test_expect_success 'the parser refuses a broken workflow (the check can fail)' '
		printf "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n" >"$TRASH/bad.yml" &&
		sed "s/^    runs-on: ubuntu-24.04/    runs-on: [ubuntu-24.04/" \
			"$GLOW_SRC/examples/workflows/provision.yml" >"$TRASH/bad2.yml" &&
		! lint "$TRASH/bad.yml" >lint.out &&
		test_grep "stepz" lint.out &&
		! lint "$TRASH/bad2.yml" >lint.out
	'

	# Issue forms have no parser in the package: a schema check of
	# GitHub's documented form syntax, and the form rendered as GitHub
	# renders it.
	cat >"$npm_dir/glow-form.mjs" <<-\EOF
	import YAML from "yaml";
	import fs from "node:fs";
	const [file, out] = process.argv.slice(2);
	const f = YAML.parse(fs.readFileSync(file, "utf8"));
	const errs = [];
	const need = (c, m) => { if (!c) errs.push(m); };
	need(typeof f.name === "string" && f.name, "name: required string");
	need(typeof f.description === "string" && f.description, "description: required string");
	need(Array.isArray(f.body) && f.body.length, "body: required array");
	const types = ["markdown", "textarea", "input", "dropdown", "checkboxes"];
	const ids = new Set(), labels = new Set();
	let body = "";
	for (const [i, el] of (f.body || []).entries()) {
	  need(types.includes(el.type), `body[${i}]: bad type ${el.type}`);
	  need(el.attributes && typeof el.attributes === "object", `body[${i}]: attributes required`);
	  const a = el.attributes || {};
	  for (const k of Object.keys(el)) need(["type", "id", "attributes", "validations"].includes(k), `body[${i}]: unknown key ${k}`);
	  if (el.type === "markdown") { need(typeof a.value === "string", `body[${i}]: markdown needs value`); continue; }
	  need(typeof a.label === "string" && a.label, `body[${i}]: label required`);
	  need(!labels.has(a.label), `body[${i}]: duplicate label ${a.label}`); labels.add(a.label);
	  if (el.id !== undefined) { need(/^[A-Za-z0-9_-]+$/.test(el.id) && !ids.has(el.id), `body[${i}]: bad or duplicate id`); ids.add(el.id); }
	  if (el.type === "dropdown") need(Array.isArray(a.options) && a.options.length, `body[${i}]: options required`);
	  if (el.type === "checkboxes") need(Array.isArray(a.options) && a.options.every(o => o.label), `body[${i}]: options need labels`);
	  need(!/e-?mail|phone|address|full name|birth/i.test(a.label + " " + (a.description || "")) ||
	       el.type === "checkboxes", `body[${i}]: asks for private data: ${a.label}`);
	  // rendered as GitHub does: the first option or the placeholder
	  let v = "_No response_";
	  if (el.type === "input") v = a.placeholder || v;
	  if (el.type === "dropdown") v = a.options[a.default || 0];
	  if (el.type === "checkboxes") v = a.options.map(o => `- [X] ${o.label}`).join("\r\n");
	  body += `### ${a.label}\r\n\r\n${v}\r\n\r\n`;
	}
	fs.writeFileSync(out, JSON.stringify({ labels: f.labels || [], fields: [...labels], body }));
	for (const e of errs) console.log(`${file}: ${e}`);
	process.exit(errs.length ? 1 : 0);
	EOF

	test_expect_success 'the issue form follows GitHub'"'"'s form syntax' '
		(cd "$npm_dir" && node glow-form.mjs "$GLOW_SRC/.github/ISSUE_TEMPLATE/register.yml" "$TRASH/form.json")
	'

	test_expect_success 'its fields are the labels glow-roster intake reads, and its label the workflow'"'"'s' '
		test "$(json_get form.json ".fields | index(\"Cohort\") != null")" = true &&
		test "$(json_get form.json ".fields | index(\"Path\") != null")" = true &&
		test "$(json_get form.json ".labels | index(\"registration\") != null")" = true &&
		test_grep "contains(github.event.issue.labels.\*.name, '"'"'registration'"'"')" \
			"$GLOW_SRC/examples/workflows/register.yml"
	'

	test_expect_success 'an issue made with the form is taken in: the handle is its author' '
		jq "[{number: 3, state: \"open\", user: {login: \"Grace\"},
		      created_at: \"2026-09-01T10:00:00Z\",
		      repository_url: \"https://api.github.com/repos/glow-org/enrollment\",
		      body: .body}]" form.json >issues.json &&
		glow-roster intake -f roster.json -R report.json issues.json &&
		test "$(json_get report.json ".added[0].key")" = grace@@spring-2026 &&
		test "$(json_get roster.json ".learners[0].github_handle")" = Grace &&
		test "$(json_get roster.json ".learners[0].path")" = day1-day2 &&
		test "$(json_get roster.json ".learners[0].notes")" = ""
	'
else
	test_skip 'GitHub'"'"'s workflow parser accepts every workflow' 'npm could not install @actions/workflow-parser'
fi

test_done
