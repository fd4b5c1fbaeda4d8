#!/bin/sh
# technique: T1543.002 Create or Modify System Process: Systemd Service
# reproduces: miner persistence through systemd services (Kinsing, 8220 Gang); as a user unit under ~/.config/systemd/user it needs no root and survives the job on a non-ephemeral runner
# expect: persistence-write ^(bash|cat)$
# exec-borne: no
#
# Writes the unit file only: nothing is enabled or started.
set -u

unit_dir="$HOME/.config/systemd/user"
unit="$unit_dir/dbus-broker-cache.service"
created_dir=false
[ -d "$unit_dir" ] || created_dir=true
mkdir -p "$unit_dir"
trap 'rm -f "$unit"; $created_dir && rm -rf "$HOME/.config/systemd"' EXIT

cat >"$unit" <<UNIT
[Unit]
Description=D-Bus broker cache

[Service]
ExecStart=%h/.local/share/dbus/dbus-broker-cache
Restart=always
RestartSec=30

[Install]
WantedBy=default.target
UNIT

[ -s "$unit" ]
