// post: after every other step, also when one failed or the job was
// cancelled (post-if: always()). Stop the agent, which writes the job's
// report, and put the Markdown report into the job's summary; when there
// is none, the summary says why.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const lib = require("./lib.js");
const agent = require("./agent.js");

function summary(text) {
	const f = process.env.GITHUB_STEP_SUMMARY;
	if (f) fs.appendFileSync(f, text.endsWith("\n") ? text : text + "\n");
	else console.log(text);
}

(async () => {
	const st = lib.loadState();
	if (!st.started) {
		summary(`## buildwarden\n\nThis job was not watched: ${st.error || "the agent was not started"}.\n`);
		if (st.error) lib.fail(st.error);
		return;
	}
	const stopped = await agent.stop(st);
	const base = path.join(st.reports, st.name);
	if (process.getuid() !== 0) lib.runRoot("chown", [`${process.getuid()}:${process.getgid()}`,
		`${base}.json`, `${base}.md`, `${base}.events.jsonl`]);
	let status = "unknown";
	try {
		status = JSON.parse(fs.readFileSync(`${base}.json`, "utf8")).status || status;
		summary(fs.readFileSync(`${base}.md`, "utf8"));
	} catch (e) {
		const log = path.join(st.dir, "daemon.log");
		const tail = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").slice(-20).join("\n") : "";
		summary(`## buildwarden\n\nNo report for this job (${e.message}); the agent ${stopped ? "stopped" : "did not stop"}.\n\n\`\`\`\n${tail}\n\`\`\`\n`);
		return lib.fail(`no report: ${e.message}`);
	}
	console.log(`buildwarden: report ${base}.json, status ${status}`);
})();
