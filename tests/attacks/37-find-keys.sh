#!/bin/sh
# technique: T1083 File and Directory Discovery; T1552.004 Unsecured Credentials: Private Keys; T1552.001 Credentials In Files
# reproduces: TeamTNT's SSH spreading scripts (Cado Security, 2020-2021) swept the disk for id_rsa and *.pem keys; bounded here to $HOME and the job's temp dir
# expect: credential-hunting ^find$
# exec-borne: no
set -u

hits=$(find "$HOME" "${BW_ATTACK_TMP:?}" -maxdepth 3 \
	\( -name id_rsa -o -name 'id_ed25519' -o -name '*.pem' -o -name .netrc \
	   -o -name '.git-credentials' -o -name 'credentials' \) -type f 2>/dev/null)
echo "$hits" | sed 's/^/  /'
[ -n "$hits" ]
