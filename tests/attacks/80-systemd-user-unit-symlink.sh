#!/bin/sh
# technique: T1543.002 Create or Modify System Process: Systemd Service
# reproduces: `systemctl --user link` and miner droppers that keep their unit beside the payload and only symlink it into the unit search path (~/.config/systemd/user): the unit directory never sees a file written, only a new name
# expect: persistence-write ^python3$
# exec-borne: no
#
# The unit is written under the temporary tree, then os.symlink() makes
# the only name in the user unit directory. Nothing is enabled or started.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

unit_dir="$HOME/.config/systemd/user"
created_dir=false
[ -d "$unit_dir" ] || created_dir=true
keep=$(mktemp -d "${BW_ATTACK_TMP:?}/.dbus-XXXXXX")
trap 'rm -rf "$keep"; rm -f "$unit_dir/dbus-cache.service"; $created_dir && rm -rf "$HOME/.config/systemd"' EXIT

cat >"$keep/dbus-cache.service" <<UNIT
[Unit]
Description=D-Bus cache

[Service]
ExecStart=/bin/true
UNIT

python3 - "$keep/dbus-cache.service" "$unit_dir" <<'PY'
import os
import sys

unit, unit_dir = sys.argv[1], sys.argv[2]
os.makedirs(unit_dir, exist_ok=True)
os.symlink(unit, os.path.join(unit_dir, os.path.basename(unit)))
PY
[ -L "$unit_dir/dbus-cache.service" ]
