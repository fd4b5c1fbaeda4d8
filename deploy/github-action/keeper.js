// The agent's parent for the length of the job (agent.js): runs
// `buildwarden daemon ...`, passes SIGTERM, SIGINT and SIGHUP on to it and
// exits with its status. The daemon reports a signal from its parent as a
// routine stop (sender "parent", docs/SECURITY.md), where one from a job
// process would be the signal-to-agent alert.
// Usage: node keeper.js BUILDWARDEN ARGS...
"use strict";
const { spawn } = require("node:child_process");

const child = spawn(process.argv[2], process.argv.slice(3), { stdio: "inherit" });
for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("error", (e) => {
	console.error(`buildwarden action: cannot start ${process.argv[2]}: ${e.message}`);
	process.exit(125);
});
child.on("exit", (code, sig) => process.exit(code === null ? 128 : code));
