// Shared by the action's pre, main and post scripts (action.yml at the
// repository root; docs/DEPLOY.md, "GitHub Action"). Plain Node: the
// runner's node20 and its standard library, no npm packages at run time.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const crypto = require("node:crypto");
const http = require("node:http");
const https = require("node:https");
const { spawnSync } = require("node:child_process");

// What the runner passes: INPUT_NAME in upper case, spaces as underscores.
function input(name) {
	return (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] || "").trim();
}

function fail(msg) {
	// A workflow command: the runner shows it as the step's error.
	console.log(`::error title=buildwarden::${msg.replace(/%/g, "%25").replace(/\r?\n/g, "%0A")}`);
	process.exitCode = 1;
}

function appendFileCommand(envName, line) {
	const file = process.env[envName];
	if (file) fs.appendFileSync(file, line + "\n");
}

// Everything the three scripts share lives in RUNNER_TEMP/buildwarden.
function workDir() {
	const tmp = process.env.RUNNER_TEMP;
	if (!tmp) throw new Error("RUNNER_TEMP is not set: not running on a GitHub runner?");
	return path.join(tmp, "buildwarden");
}

function stateFile() {
	return path.join(workDir(), "state.json");
}

function loadState() {
	try {
		return JSON.parse(fs.readFileSync(stateFile(), "utf8"));
	} catch {
		return {};
	}
}

function saveState(s) {
	fs.mkdirSync(workDir(), { recursive: true });
	fs.writeFileSync(stateFile(), JSON.stringify(s, null, 2));
	// The runner's own state channel too (STATE_dir in main and post).
	appendFileCommand("GITHUB_STATE", `dir=${workDir()}`);
}

// GET url (http or https, following up to 5 redirects: release downloads
// redirect to a storage host) into a Buffer, within timeoutMs.
function fetch(url, timeoutMs = 120000, redirects = 5) {
	return new Promise((resolve, reject) => {
		const mod = url.startsWith("https:") ? https : url.startsWith("http:") ? http : null;
		if (!mod) return reject(new Error(`${url}: only http and https URLs are fetched`));
		const req = mod.get(url, { headers: { "User-Agent": "buildwarden-action" } }, (res) => {
			if ([301, 302, 303, 307, 308].includes(res.statusCode) && res.headers.location) {
				res.resume();
				if (redirects === 0) return reject(new Error(`${url}: too many redirects`));
				return resolve(fetch(new URL(res.headers.location, url).toString(), timeoutMs, redirects - 1));
			}
			if (res.statusCode !== 200) {
				res.resume();
				return reject(new Error(`${url}: HTTP ${res.statusCode}`));
			}
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("end", () => resolve(Buffer.concat(chunks)));
			res.on("error", reject);
		});
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`${url}: no answer in ${timeoutMs / 1000} s`)));
		req.on("error", reject);
	});
}

function sha256(buf) {
	return crypto.createHash("sha256").update(buf).digest("hex");
}

// The pinned checksum of FILE from the sha256 input: a bare SHA-256, a
// SHA256SUMS text ("HEX  NAME" lines, both architectures pinned at once),
// or the URL of such a file.
async function expectedSha256(spec, file) {
	if (!spec) {
		throw new Error("the sha256 input is empty: pin the release's checksum " +
			"(its SHA256SUMS lists one per architecture; docs/DEPLOY.md)");
	}
	if (/^[0-9a-fA-F]{64}$/.test(spec)) return spec.toLowerCase();
	let text = spec;
	if (/^https?:\/\//.test(spec)) text = (await fetch(spec)).toString("utf8");
	for (const line of text.split(/\r?\n/)) {
		const m = line.trim().match(/^([0-9a-fA-F]{64})\s+\*?(\S+)$/);
		if (m && path.basename(m[2]) === file) return m[1].toLowerCase();
	}
	throw new Error(`no checksum for ${file} in the sha256 input` +
		(text === spec ? "" : ` (fetched from ${spec})`));
}

// Run a command as root: directly when we are, else through sudo -n.
function asRoot(cmd, args) {
	return process.getuid() === 0 ? [cmd, args] : ["sudo", ["-n", "--preserve-env=BW_WEBHOOK", cmd, ...args]];
}

function runRoot(cmd, args, opts = {}) {
	const [c, a] = asRoot(cmd, args);
	return spawnSync(c, a, { encoding: "utf8", ...opts });
}

function alive(pid) {
	return fs.existsSync(`/proc/${pid}`) &&
		!/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
}

module.exports = {
	input, fail, appendFileCommand, workDir, loadState, saveState, fetch, sha256,
	expectedSha256, asRoot, runRoot, alive,
};
