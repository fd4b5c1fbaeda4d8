// main: where the step is placed. Starts the agent when pre could not
// (a policy file from the repository, which the checkout brought).
"use strict";
const lib = require("./lib.js");
const agent = require("./agent.js");

(async () => {
	const st = lib.loadState();
	if (st.error) return lib.fail(`not watching this job: ${st.error}`);
	if (!st.deferred) {
		console.log(st.started ? "buildwarden: watching this job since its start" : "buildwarden: not started (see pre)");
		return;
	}
	try {
		st.deferred = false;
		await agent.start(st, lib.input("policy"));
	} catch (e) {
		st.error = e.message;
		lib.saveState(st);
		lib.fail(e.message);
	}
})();
