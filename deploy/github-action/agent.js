// Start and stop the agent around the job: `buildwarden daemon` with a
// config that adopts this job's Runner.Worker by pid (docs/DAEMON.md), so
// every step after the start is watched; SIGTERM at the end makes it end
// the job, write NAME.json and NAME.md, and detach.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawn, spawnSync } = require("node:child_process");
const lib = require("./lib.js");

// The job root: the Runner.Worker above this script.
function runnerWorker() {
	let pid = process.pid;
	while (pid > 1) {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
		const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
		if (comm === "Runner.Worker") return pid;
		pid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
	}
	throw new Error("no Runner.Worker above this step: not on a GitHub runner?");
}

// A YAML single-quoted scalar.
const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

// The policy the daemon runs: the input's file or inline YAML (or the
// embedded default), with its top-level mode: replaced when mode is set.
function effectivePolicy(st, bin, policy) {
	const mode = lib.input("mode");
	if (mode && mode !== "audit" && mode !== "enforce")
		throw new Error(`mode must be audit or enforce, not '${mode}'`);
	if (!policy && !mode) return "";
	let text;
	if (!policy) {
		const r = spawnSync(bin, ["policy", "default"], { encoding: "utf8" });
		if (r.status !== 0) throw new Error(`buildwarden policy default failed: ${r.stderr}`);
		text = r.stdout;
	} else {
		text = policy.includes("\n") ? policy : fs.readFileSync(policy, "utf8");
	}
	if (mode) {
		text = /^mode:.*$/m.test(text) ? text.replace(/^mode:.*$/m, `mode: ${mode}`) : `mode: ${mode}\n${text}`;
	} else if (!policy.includes("\n")) {
		return fs.realpathSync(policy);
	}
	const file = path.join(st.dir, "policy.yaml");
	fs.writeFileSync(file, text);
	return file;
}

async function start(st, policyPath) {
	const dir = st.dir;
	const reports = path.join(dir, "reports");
	fs.mkdirSync(reports, { recursive: true });
	let r = lib.runRoot(st.bin, ["doctor"], { stdio: "inherit" });
	if (r.status !== 0) throw new Error("buildwarden doctor: this runner cannot run the agent (its output above says why)");
	const policy = effectivePolicy(st, st.bin, policyPath);
	const env = process.env;
	const name = `run-${env.GITHUB_RUN_ID || 0}-${env.GITHUB_RUN_ATTEMPT || 1}-${env.GITHUB_JOB || "job"}`;
	const root = runnerWorker();
	const webhook = lib.input("webhook");
	const cfg = [
		policy ? `policy: ${q(policy)}` : null,
		`reports: ${q(reports)}`,
		"jobs:",
		"  - name: github-actions",
		`    match: {pid: ${root}}`,
		`    id: ${q(name)}`,
		webhook ? "alerts: {webhook_env: BW_WEBHOOK}" : null,
	].filter((l) => l !== null).join("\n") + "\n";
	const config = path.join(dir, "config.yaml");
	fs.writeFileSync(config, cfg);
	const childEnv = { ...env, BW_WEBHOOK: webhook };
	r = lib.runRoot(st.bin, ["daemon", "--config", config, "--check"], { env: childEnv });
	if (r.status !== 0) throw new Error(`the agent's config or policy is invalid:\n${r.stdout}${r.stderr}`);
	// The keeper is the daemon's parent and passes post's SIGTERM on: the
	// daemon then sees its parent stop it, not a job process signal it.
	const log = path.join(dir, "daemon.log");
	const fd = fs.openSync(log, "w");
	const [cmd, args] = lib.asRoot(process.execPath,
		[path.join(__dirname, "keeper.js"), st.bin, "daemon", "--config", config]);
	const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env: childEnv });
	child.unref();
	fs.closeSync(fd);
	Object.assign(st, { pid: child.pid, name, reports, started: true });
	lib.saveState(st);
	// Watching once the daemon says so (docs/DAEMON.md); give up after 30 s.
	for (let i = 0; i < 300; i++) {
		const text = fs.readFileSync(log, "utf8");
		if (text.includes("daemon attached")) {
			console.log(`buildwarden ${st.version}: watching this job (Runner.Worker pid ${root}), reports in ${reports}`);
			return;
		}
		if (!lib.alive(child.pid)) break;
		await new Promise((res) => setTimeout(res, 100));
	}
	throw new Error(`the agent did not start:\n${fs.readFileSync(log, "utf8")}`);
}

async function stop(st) {
	if (!st.pid || !lib.alive(st.pid)) return false;
	if (process.getuid() === 0) process.kill(st.pid, "SIGTERM");
	else spawnSync("sudo", ["-n", "kill", "-TERM", String(st.pid)]);
	for (let i = 0; i < 300 && lib.alive(st.pid); i++) await new Promise((res) => setTimeout(res, 100));
	return !lib.alive(st.pid);
}

module.exports = { start, stop };
