#!/bin/sh
# Install Debian's Chromium for tests/bpf/test_report_html.py, which opens
# the HTML report in a real headless browser (docs/REPORTS.md).
# Installs only what is missing, so re-running it is cheap and changes nothing.
# Exit status: 0 when chromium is there afterwards, 1 otherwise (the reason
# on stderr); the test then skips its browser part, naming the reason, or
# fails under CI=true.
set -u
DEPS_NAME=tools/deps-browser.sh
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

# fonts-liberation: some font, so layout (and SVG text) has glyph metrics.
pkgs="chromium fonts-liberation"
bin=/usr/bin/chromium

# shellcheck disable=SC2086
missing=$(deps_missing $pkgs)
if [ -n "$missing" ]; then
	deps_need_root "$missing" 1
	if ! deps_install "$missing"; then
		echo "$DEPS_NAME: cannot install the Debian packages$missing (apt-get install failed)" >&2
		exit 1
	fi
fi
if [ ! -x "$bin" ]; then
	echo "$DEPS_NAME: $bin is missing after the install" >&2
	exit 1
fi
exit 0
