#!/bin/bash
# technique: T1053.003 Scheduled Task/Job: Cron
# reproduces: cron persistence of Linux miners (Kinsing, TeamTNT) written into /etc/cron.d by a root build step on a non-ephemeral runner
# expect: persistence-write ^tee$
# exec-borne: no
#
# Creates /etc/cron.d/buildwarden-attack-test (a comment-only entry that
# runs nothing) and deletes it again. Skipped (77) without /etc/cron.d.
set -u

CRON_DIR=/etc/cron.d
CRON_FILE=$CRON_DIR/buildwarden-attack-test
if [ ! -d "$CRON_DIR" ] || [ ! -w "$CRON_DIR" ]; then
	echo "no writable $CRON_DIR" >&2
	exit 77
fi
if [ -e "$CRON_FILE" ]; then
	echo "$CRON_FILE already exists; not touching it" >&2
	exit 1
fi
trap 'rm -f "$CRON_FILE"' EXIT

entry='# */10 * * * * root /var/tmp/.cache/update >/dev/null 2>&1   (buildwarden attack corpus: inert)'
printf '%s\n' "$entry" | tee "$CRON_FILE" >/dev/null
[ -s "$CRON_FILE" ]
