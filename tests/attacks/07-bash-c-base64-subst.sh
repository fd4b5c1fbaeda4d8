#!/bin/bash
# technique: T1140 Deobfuscate/Decode Files or Information; T1027 Obfuscated Files or Information; T1059.004 Unix Shell
# reproduces: tj-actions/changed-files (2025): the decoded payload was run as a shell program; here the variant `bash -c "$(echo ... | base64 -d)"` seen in malicious npm/PyPI install hooks
# expect: decoded-script-to-shell ^bash$
# exec-borne: yes
#
# No pipe into the shell: the decoded text is captured by command
# substitution and becomes bash's -c program.
set -u

cfg_blob=dW1hc2sgMDc3OyBwcmludGYgIiVzIGRlY29kZWQtc3RhZ2VcbiIgIiQkIiA+PiAiJEJXX0FUVEFDS19NQVJLIjsgZXhpdCAwCg==

postinstall() {
	bash -c "$(echo "$cfg_blob" | base64 --decode)"
}

postinstall
