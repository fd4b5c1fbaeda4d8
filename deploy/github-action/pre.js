// pre: at the job's start, before any step. Download the pinned release
// for this runner's architecture, refuse it unless its SHA-256 is the
// pinned one, unpack it, and start the agent around the rest of the job.
// A policy file from the repository does not exist yet (nothing is checked
// out): then the agent starts in main, where the step is placed.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const lib = require("./lib.js");
const agent = require("./agent.js");

const ARCHES = { X64: "x86_64", ARM64: "arm64" };

async function install(st) {
	const version = lib.input("version").replace(/^v/, "");
	if (!/^[0-9][0-9A-Za-z.+~-]*$/.test(version)) throw new Error(`version '${version}' is not a release version`);
	const arch = ARCHES[process.env.RUNNER_ARCH || ""];
	if (process.platform !== "linux" || !arch)
		throw new Error(`buildwarden runs on Linux x64 and ARM64 runners, not ${process.platform} ${process.env.RUNNER_ARCH}`);
	const file = `buildwarden-${version}-linux-${arch}.tar.gz`;
	const repo = process.env.GITHUB_ACTION_REPOSITORY;
	let base = lib.input("base-url");
	if (!base) {
		if (!repo) throw new Error("base-url is empty and GITHUB_ACTION_REPOSITORY is not set");
		base = `https://github.com/${repo}/releases/download`;
	}
	const url = `${base.replace(/\/+$/, "")}/v${version}/${file}`;
	const want = await lib.expectedSha256(lib.input("sha256"), file);
	const tgz = await lib.fetch(url);
	const got = lib.sha256(tgz);
	if (got !== want) {
		throw new Error(`checksum mismatch for ${url}: expected sha256 ${want}, got ${got}; ` +
			"refusing to install it (a wrong pin, or the file is not the release it claims to be)");
	}
	fs.mkdirSync(st.dir, { recursive: true });
	const archive = path.join(st.dir, file);
	fs.writeFileSync(archive, tgz);
	const r = spawnSync("tar", ["-xzf", archive, "-C", st.dir], { encoding: "utf8" });
	if (r.status !== 0) throw new Error(`tar -xzf ${archive}: ${r.stderr}`);
	fs.unlinkSync(archive);
	const bindir = path.join(st.dir, `buildwarden-${version}-linux-${arch}`, "bin");
	Object.assign(st, { version, bin: path.join(bindir, "buildwarden") });
	// Later steps can run `buildwarden report` and friends.
	lib.appendFileCommand("GITHUB_PATH", bindir);
	console.log(`buildwarden ${version} (${arch}) from ${url}, sha256 ${got} as pinned`);
}

(async () => {
	const st = { dir: lib.workDir() };
	try {
		fs.mkdirSync(st.dir, { recursive: true });
		lib.saveState(st);
		await install(st);
		lib.saveState(st);
		const policy = lib.input("policy");
		if (policy && !policy.includes("\n") && !fs.existsSync(policy)) {
			st.deferred = true;
			lib.saveState(st);
			console.log(`buildwarden: ${policy} is not there yet (no checkout before pre): the agent starts where the step is`);
			return;
		}
		await agent.start(st, policy);
	} catch (e) {
		st.error = e.message;
		lib.saveState(st);
		lib.fail(e.message);
	}
})();
