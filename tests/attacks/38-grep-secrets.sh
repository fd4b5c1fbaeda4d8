#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1083 File and Directory Discovery
# reproduces: TeamTNT's AWS credential stealers (Cado Security, 2020) and CI secret sweeps that grep recursively for access key ids and passwords
# expect: credential-hunting ^grep$
# exec-borne: no
set -u

pattern='AKIA[0-9A-Z]{16}|aws_secret_access_key|password'
matches=$(grep -rEl "$pattern" "$HOME" 2>/dev/null)
printf 'files with secrets:\n%s\n' "$matches"
[ -n "$matches" ]
