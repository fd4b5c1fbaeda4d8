// Validates Kubernetes manifests against the Kubernetes API schemas shipped
// in the npm package kubernetes-models, and checks the agent's own needs.
//
//   node tests/deploy/validate-k8s.mjs NODE_MODULES_DIR FILE.yaml...
//
// Core and apps objects (Namespace, ConfigMap, DaemonSet, ...) are validated
// whole. Custom resources (actions-runner-controller's AutoscalingRunnerSet)
// have no schema in kubernetes-models: their `spec.template` is validated as
// a core PodTemplateSpec and the rest is only checked for required fields.
// Every pod template holding a container named "buildwarden" must give it
// the host pid namespace, the BPF capabilities and the host mounts it needs.
// Prints one "ok"/"not ok" line per object; exits 1 on any failure.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
	console.error("usage: validate-k8s.mjs NODE_MODULES_DIR FILE.yaml...");
	process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const YAML = require("yaml");
const models = join(modules, "kubernetes-models");

// Custom resources we know: their required spec fields.
const CRDS = {
	"actions.github.com/v1alpha1/AutoscalingRunnerSet": ["githubConfigUrl", "githubConfigSecret", "template"],
	"actions.summerwind.dev/v1alpha1/RunnerDeployment": ["template"],
};

async function model(apiVersion, kind) {
	const dir = apiVersion.includes("/") ? apiVersion : `v1/${apiVersion === "v1" ? "" : apiVersion}`;
	const file = join(models, ...dir.split("/").filter(Boolean), `${kind}.js`);
	if (!existsSync(file)) return null;
	return (await import(pathToFileURL(file)))[kind];
}

function validate(Model, obj) {
	try {
		new Model(obj).validate();
		return null;
	} catch (e) {
		return (e.errors ? JSON.stringify(e.errors, null, 1) : String(e)).slice(0, 4000);
	}
}

// What the agent needs from the pod it runs in.
function agentNeeds(podSpec) {
	const problems = [];
	const all = [...(podSpec.initContainers || []), ...(podSpec.containers || [])];
	const agents = all.filter((c) => c.name === "buildwarden" || (c.image || "").startsWith("buildwarden"));
	if (agents.length === 0) return problems;
	if (!podSpec.hostPID) problems.push("hostPID must be true (BPF reports host pids)");
	if (podSpec.shareProcessNamespace) problems.push("shareProcessNamespace cannot go with hostPID");
	const hostPaths = Object.fromEntries(
		(podSpec.volumes || []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath.path]));
	for (const c of agents) {
		const sc = c.securityContext || {};
		const caps = (sc.capabilities && sc.capabilities.add) || [];
		if (!sc.privileged)
			for (const cap of ["BPF", "PERFMON"])
				if (!caps.includes(cap)) problems.push(`${c.name}: capability ${cap} missing`);
		if (!sc.privileged && (!sc.seccompProfile || sc.seccompProfile.type !== "Unconfined"))
			problems.push(`${c.name}: the runtime's default seccomp profile refuses bpf(2)`);
		const mounted = Object.fromEntries((c.volumeMounts || []).map((m) => [m.mountPath, hostPaths[m.name]]));
		for (const p of ["/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup"])
			if (mounted[p] !== p) problems.push(`${c.name}: host ${p} not mounted at ${p}`);
	}
	return problems;
}

let failed = 0, n = 0;
function report(ok, what, why) {
	n++;
	if (ok) console.log(`ok ${n} - ${what}`);
	else {
		failed++;
		console.log(`not ok ${n} - ${what}`);
		for (const line of String(why).split("\n")) console.log(`#   ${line}`);
	}
}

for (const file of files) {
	const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
	for (const [i, doc] of docs.entries()) {
		if (doc.errors.length) {
			report(false, `${file} document ${i + 1}: YAML`, doc.errors.map(String).join("\n"));
			continue;
		}
		const obj = doc.toJS();
		if (!obj) continue;
		const what = `${file} ${obj.apiVersion}/${obj.kind} ${obj.metadata && obj.metadata.name}`;
		const Model = obj.apiVersion && obj.kind ? await model(obj.apiVersion, obj.kind) : null;
		if (Model) {
			const err = validate(Model, obj);
			const tmpl = obj.spec && obj.spec.template && obj.spec.template.spec;
			const needs = tmpl ? agentNeeds(tmpl) : [];
			report(!err && !needs.length, `${what}: kubernetes-models schema${tmpl ? ", agent needs" : ""}`,
				err || needs.join("\n"));
			continue;
		}
		const required = CRDS[`${obj.apiVersion}/${obj.kind}`];
		if (!required) {
			report(false, what, "no schema for this kind in kubernetes-models, and not a known CRD");
			continue;
		}
		const missing = required.filter((k) => !(obj.spec && k in obj.spec));
		const PodTemplateSpec = await model("v1", "PodTemplateSpec");
		const err = missing.length ? `spec lacks ${missing.join(", ")}` :
			validate(PodTemplateSpec, obj.spec.template);
		const needs = err ? [] : agentNeeds(obj.spec.template.spec || {});
		report(!err && !needs.length,
			`${what}: custom resource, spec.template validated as core v1 PodTemplateSpec, agent needs`,
			err || needs.join("\n"));
	}
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
