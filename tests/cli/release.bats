#!/usr/bin/env bats
# The release (docs/DEPLOY.md, "Install from a release"): `make dist`'s
# tarballs (static x86_64 and arm64, SHA256SUMS, reproducible), the man
# page and completion they carry, and the two CI integrations that
# install from them, run against a loopback HTTP server serving build/dist
# as a release: the GitHub Action's pre/main/post scripts (action.yml at
# the repository root) with a simulated runner (INPUT_* variables,
# GITHUB_STATE/GITHUB_PATH/GITHUB_STEP_SUMMARY files, RUNNER_TEMP,
# RUNNER_ARCH, a process named Runner.Worker), and the GitLab template's
# script. Run: bats --tap tests/cli/release.bats

bats_require_minimum_version 1.5.0

SRC=${BW_SRC:-$BATS_TEST_DIRNAME/../..}
BUILD=${BW_BUILD:-$SRC/build}
NM=$BUILD/node_modules-deploy/node_modules
DIST=$SRC/build/dist
GHA=$SRC/deploy/github-action

show() {
	echo "status: $status"
	echo "output: $output"
}

setup_file() {
	case ${BW_BUILD:-} in *build-san-*) export BW_REL_SKIP="the release is the release build's: checked once" && return 0 ;; esac
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		{ export BW_REL_SKIP="aarch64-linux-gnu-gcc missing (tools/deps-cross.sh cross)"; return 0; }
	export BW_VER=$("$SRC/tools/version.sh")
	# As the Makefile sets it, for packing again by hand.
	export SOURCE_DATE_EPOCH=$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || stat -c %Y "$SRC/tools/VERSION")
	local log=$BATS_FILE_TMPDIR/make-dist.log
	make -C "$SRC" --no-print-directory dist >"$log" 2>&1 || { export BW_DIST_FAIL=$log; return 0; }
	# The loopback "release host": BASE/vVERSION/FILE is build/dist/FILE.
	mkdir -p "$BATS_FILE_TMPDIR/www"
	ln -s "$DIST" "$BATS_FILE_TMPDIR/www/v$BW_VER"
	python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$BATS_FILE_TMPDIR/www" \
		>"$BATS_FILE_TMPDIR/http.log" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/http.pid"
	local port= i
	for i in $(seq 100); do
		port=$(sed -n 's/^Serving HTTP on .* port \([0-9]*\) .*/\1/p' "$BATS_FILE_TMPDIR/http.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	export BW_BASE=http://127.0.0.1:$port
}

teardown_file() {
	[ -f "$BATS_FILE_TMPDIR/http.pid" ] && kill "$(cat "$BATS_FILE_TMPDIR/http.pid")" 2>/dev/null
	return 0
}

need_dist() {
	[ -z "${BW_REL_SKIP:-}" ] || skip "$BW_REL_SKIP"
	[ -z "${BW_DIST_FAIL:-}" ] || { grep -v 'statically linked applications\|in function' "$BW_DIST_FAIL" | tail -n 30; false; }
}

need_agent() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to run the agent"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
}

# Run the action's scripts as the runner would, in order, each with the
# runner's environment; ENV... are more variables, STEP the job's step.
#   runner RT STEP [VAR=VALUE...]
runner() {
	local rt=$1 step=$2
	shift 2
	mkdir -p "$rt/temp"
	cp "$(command -v bash)" "$rt/Runner.Worker"
	cat >"$rt/job.sh" <<EOF
node "$GHA/pre.js" && { $step; }
echo "step status \$?"
node "$GHA/main.js"
node "$GHA/post.js"
EOF
	run env RUNNER_TEMP="$rt/temp" RUNNER_ARCH=X64 GITHUB_STEP_SUMMARY="$rt/summary" \
		GITHUB_STATE="$rt/state" GITHUB_ENV="$rt/env" GITHUB_PATH="$rt/path" GITHUB_OUTPUT="$rt/output" \
		GITHUB_RUN_ID=42 GITHUB_RUN_ATTEMPT=1 GITHUB_JOB=build GITHUB_ACTION_REPOSITORY=nobody/buildwarden \
		INPUT_VERSION="$BW_VER" "INPUT_BASE-URL=$BW_BASE" "$@" \
		timeout 120 "$rt/Runner.Worker" "$rt/job.sh" 3>&-
}

# --- make dist ---------------------------------------------------------------

@test "dist: two tarballs named after tools/version.sh, SHA256SUMS verifies them" {
	need_dist
	[ -f "$DIST/buildwarden-$BW_VER-linux-x86_64.tar.gz" ] && [ -f "$DIST/buildwarden-$BW_VER-linux-arm64.tar.gz" ]
	[ "$(wc -l <"$DIST/SHA256SUMS")" -eq 2 ]
	run bash -c 'cd "$1" && sha256sum -c --strict SHA256SUMS' _ "$DIST"
	[ "$status" -eq 0 ] || { show; false; }
}

@test "dist: every file owned by 0, one mtime (the commit's), sorted; the layout installs under a prefix" {
	need_dist
	local t=$DIST/buildwarden-$BW_VER-linux-arm64.tar.gz name=buildwarden-$BW_VER-linux-arm64
	run tar --full-time -tvzf "$t"
	[ "$status" -eq 0 ] || { show; false; }
	[ -z "$(printf '%s\n' "$output" | awk '$2 != "0/0"')" ] || { show; false; }
	[ "$(printf '%s\n' "$output" | awk '{print $4, $5}' | sort -u | wc -l)" -eq 1 ] || { show; false; }
	[ "$(TZ=UTC0 tar --full-time -tvzf "$t" | head -n 1 | awk '{print $4, $5}')" = \
		"$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')" ]
	run tar -tzf "$t"
	[ "$output" = "$(printf '%s\n' "$output" | LC_ALL=C sort)" ] || { echo "not sorted"; show; false; }
	local f
	for f in bin/buildwarden LICENSE share/man/man1/buildwarden.1.gz share/bash-completion/completions/buildwarden \
		lib/systemd/system/buildwarden.service share/doc/buildwarden/README.md share/doc/buildwarden/docs/CLI.md \
		share/doc/buildwarden/examples/config.example.yaml share/doc/buildwarden/examples/policies/strict.yaml; do
		printf '%s\n' "$output" | grep -qx "$name/$f" || { echo "missing $f"; false; }
	done
}

@test "dist: packing the same binaries again gives the same bytes" {
	need_dist
	local out=$BATS_TEST_TMPDIR/again
	run "$SRC/tools/dist.sh" "$BW_VER" "$out" "$SRC/build/man/buildwarden.1" \
		x86_64="$SRC/build/static/buildwarden" arm64="$SRC/build/arm64-static/buildwarden"
	[ "$status" -eq 0 ] || { show; false; }
	cmp "$out/SHA256SUMS" "$DIST/SHA256SUMS" || { diff "$out/SHA256SUMS" "$DIST/SHA256SUMS"; false; }
}

@test "dist: x86_64 is a static binary that prints the version; arm64 a static AArch64 ELF" {
	need_dist
	local tmp=$BATS_TEST_TMPDIR a
	for a in x86_64 arm64; do
		tar -xzf "$DIST/buildwarden-$BW_VER-linux-$a.tar.gz" -C "$tmp"
	done
	local x=$tmp/buildwarden-$BW_VER-linux-x86_64/bin/buildwarden y=$tmp/buildwarden-$BW_VER-linux-arm64/bin/buildwarden
	run "$x" --version
	[ "$status" -eq 0 ] && [ "$output" = "buildwarden $BW_VER" ] || { show; false; }
	run readelf -lh "$x"
	[[ "$output" == *"Advanced Micro Devices X86-64"* && "$output" != *INTERP* ]] || { show; false; }
	run readelf -lh "$y"
	[[ "$output" == *"Machine:"*"AArch64"* && "$output" != *INTERP* ]] || { show; false; }
	[[ "$output" == *"Type:"*"EXEC"* ]] || { show; false; }
	run file "$y"
	[[ "$output" == *"ARM aarch64"*"statically linked"* ]] || { show; false; }
	# Stripped: no debug sections in a release.
	! readelf -S "$y" | grep -q '\.debug_info'
}

@test "dist: the man page renders without a groff warning and has every section of docs/CLI.md" {
	need_dist
	local man=$SRC/build/man/buildwarden.1 h
	run bash -c 'LC_ALL=C.UTF-8 MANROFFSEQ= MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$1" 2>&1 >/dev/null' _ "$man"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { show; false; }
	run env MANWIDTH=80 man -l "$man"
	while read -r h; do
		[[ "$output" == *"${h^^}"* ]] || { echo "no section $h"; false; }
	done < <(sed -n 's/^## `*\([^`]*\)`*$/\1/p' "$SRC/docs/CLI.md")
	[[ "$output" == *"buildwarden run [OPTIONS]"* && "$output" == *"--fail-closed"* ]] || { show; false; }
}

@test "dist: bash completion offers commands, each command's --help options, fixed values" {
	need_dist
	local bw=$SRC/build/static/buildwarden
	run bash -c '
. "$1"
c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _buildwarden; echo "${COMPREPLY[*]}"; }
c "$2" ""; c "$2" run --fail-c; c "$2" run --scope ""; c "$2" doctor --j; c "$2" policy ""' _ \
		"$SRC/deploy/completion/buildwarden.bash" "$bw"
	[ "$status" -eq 0 ] || { show; false; }
	[ "${lines[0]}" = "run daemon policy report doctor --help --version" ] || { show; false; }
	[ "${lines[1]}" = "--fail-closed" ] && [ "${lines[2]}" = "job host" ] || { show; false; }
	[ "${lines[3]}" = "--json" ] && [ "${lines[4]}" = "check default suggest test --help" ] || { show; false; }
}

# --- the GitHub Action ---------------------------------------------------------

@test "action: a wrong pin is refused, nothing is unpacked, and post's summary says why" {
	need_dist
	local rt=$BATS_TEST_TMPDIR/rt
	runner "$rt" "echo the job ran" INPUT_SHA256="$(printf '0%.0s' $(seq 64))"
	echo "$output"
	[[ "$output" == *"::error title=buildwarden::checksum mismatch for $BW_BASE/v$BW_VER/buildwarden-$BW_VER-linux-x86_64.tar.gz: expected sha256 0000"*"refusing to install"* ]] || { show; false; }
	[[ "$output" != *"the job ran"* ]] || { show; false; }
	[ -z "$(find "$rt/temp" -name buildwarden -type f)" ] || { find "$rt/temp"; false; }
	grep -q "This job was not watched: checksum mismatch" "$rt/summary" || { cat "$rt/summary"; false; }
	# No checksum at all is refused too.
	runner "$BATS_TEST_TMPDIR/rt2" true INPUT_SHA256=
	[[ "$output" == *"the sha256 input is empty"* ]] || { show; false; }
}

@test "action: the pinned release installs (checksums URL); a repository policy not yet there defers the start to main" {
	need_dist
	local rt=$BATS_TEST_TMPDIR/rt
	# No agent here: the policy file appears only in the job step, as a
	# checkout would bring it, and main then fails to start (not root) or
	# starts it (root); either way pre installed the pinned binary.
	runner "$rt" "true" INPUT_SHA256="$BW_BASE/v$BW_VER/SHA256SUMS" INPUT_POLICY=/nonexistent/policy.yaml
	echo "$output"
	[[ "$output" == *"buildwarden $BW_VER (x86_64) from $BW_BASE/v$BW_VER/buildwarden-$BW_VER-linux-x86_64.tar.gz, sha256 "*" as pinned"* ]] || { show; false; }
	[[ "$output" == *"is not there yet"* ]] || { show; false; }
	local bindir
	bindir=$(cat "$rt/path")
	[ "$bindir" = "$rt/temp/buildwarden/buildwarden-$BW_VER-linux-x86_64/bin" ] || { cat "$rt/path"; false; }
	run "$bindir/buildwarden" --version
	[ "$output" = "buildwarden $BW_VER" ] || { show; false; }
	grep -qx "dir=$rt/temp/buildwarden" "$rt/state"
}

@test "action: pre starts the agent around the job, post writes its report to the summary (root)" {
	need_dist
	need_agent
	local rt=$BATS_TEST_TMPDIR/rt
	runner "$rt" "sh -c 'echo hello from the job; uname -r >/dev/null'" INPUT_SHA256="$(cat "$DIST/SHA256SUMS")"
	echo "$output"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"watching this job (Runner.Worker pid"* && "$output" == *"hello from the job"* ]] || { show; false; }
	local rep=$rt/temp/buildwarden/reports/run-42-1-build
	[ -s "$rep.json" ] && [ -s "$rep.md" ] || { ls -la "$rt/temp/buildwarden/reports"; false; }
	cmp -s "$rep.md" "$rt/summary" || { cat "$rt/summary"; false; }
	# The job's processes are in the report; stopping the agent raised no alert.
	grep -q '"basename":"uname"\|uname' "$rep.events.jsonl" || { cat "$rep.events.jsonl"; false; }
	grep -q '"verdicts": *0\|"verdicts":0' "$rep.json" || ! grep -q 'signal-to-agent' "$rep.events.jsonl"
	# The agent is gone (a zombie keeper has no command line).
	! pgrep -f "$rt/temp/buildwarden/config.yaml" || { ps -ef | grep "$rt/temp"; false; }
}

@test "action: a step killed by a signal, then post: the summary is still written (root)" {
	need_dist
	need_agent
	local rt=$BATS_TEST_TMPDIR/rt
	runner "$rt" "sh -c 'echo about to die; kill -KILL \$\$'" INPUT_SHA256="$(cat "$DIST/SHA256SUMS")" INPUT_MODE=audit
	echo "$output"
	[[ "$output" == *"step status 137"* ]] || { show; false; }
	grep -q '^## buildwarden' "$rt/summary" || { cat "$rt/summary"; false; }
	# mode: audit rewrote the policy it ran.
	grep -qx 'mode: audit' "$rt/temp/buildwarden/policy.yaml"
}

# --- the GitLab template -------------------------------------------------------

# The template's script lines, as GitLab's shell executor runs them.
gitlab_script() {
	[ -f "$NM/yaml/package.json" ] || skip "npm validators not installed (tests/cli/deploy.bats installs them)"
	node --input-type=module -e '
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const t = createRequire(process.argv[1] + "/x.js")("yaml").parse(readFileSync(process.argv[2], "utf8"))[".buildwarden"];
console.log(t.script.join("\n"));' "$NM" "$SRC/deploy/gitlab/buildwarden.gitlab-ci.yml" >"$1"
}

@test "GitLab template: installs the pinned release with sha256sum -c, refuses a wrong pin" {
	need_dist
	local tmp=$BATS_TEST_TMPDIR/gl
	mkdir -p "$tmp"
	gitlab_script "$tmp/script.sh"
	local env=(env CI_PROJECT_DIR="$tmp" BUILDWARDEN_SUDO= BUILDWARDEN_DIR="$tmp/report" BUILDWARDEN_POLICY=
		BUILDWARDEN_ARGS=--no-tree BUILDWARDEN_VERSION="$BW_VER" BUILDWARDEN_BASE_URL="$BW_BASE"
		BUILDWARDEN_SCRIPT="echo built")
	run "${env[@]}" BUILDWARDEN_SHA256="$(printf 'f%.0s' $(seq 64))" timeout 120 sh -e "$tmp/script.sh"
	[ "$status" -ne 0 ] && [[ "$output" == *"checksum mismatch for buildwarden-$BW_VER-linux-x86_64.tar.gz: refusing"* ]] || { show; false; }
	[[ "$output" != *built* ]] || { show; false; }
	[ "$(id -u)" -eq 0 ] && [ -e /sys/kernel/btf/vmlinux ] || skip "the build under the installed agent needs root and BTF"
	run "${env[@]}" BUILDWARDEN_SHA256="$(cat "$DIST/SHA256SUMS")" timeout 120 sh -e "$tmp/script.sh"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *": OK"* && "$output" == *built* ]] || { show; false; }
	[ -s "$tmp/report/report.json" ] && [ -s "$tmp/report/report.md" ] || { show; false; }
}
