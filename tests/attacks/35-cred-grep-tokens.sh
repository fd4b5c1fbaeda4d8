#!/bin/sh
# technique: T1552.001 Unsecured Credentials: Credentials In Files
# reproduces: Shai-Hulud npm worm (2025) took the npm token from ~/.npmrc to republish packages; here the tokens and passwords are pulled out of the rc files with grep
# expect: credential-file-access ^grep$
# exec-borne: no
set -u

tokens=$(grep -hE '_authToken|password|login|https://[^:]+:[^@]+@' \
	"$HOME/.npmrc" "$HOME/.netrc" "$HOME/.git-credentials" "$HOME/.pypirc" 2>/dev/null)
count=$(printf '%s\n' "$tokens" | grep -c . )
echo "found $count credential lines"
[ "$count" -gt 0 ]
