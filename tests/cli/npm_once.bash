# Sourced by bats files (`load npm_once`) whose validators come from npm.
# npm_install_once PACKAGE_JSON DIR: install the pinned packages under
# DIR/node_modules once; again only when the pins change. DIR/.installed
# marks success; DIR/npm.log says why it failed (npm missing, registry
# unreachable).
npm_install_once() {
	local pkg=$1 dir=$2
	mkdir -p "$dir"
	if ! cmp -s "$pkg" "$dir/package.json" || [ ! -f "$dir/.installed" ]; then
		rm -rf "$dir/node_modules" "$dir/.installed"
		cp "$pkg" "$dir/package.json"
		if command -v npm >/dev/null &&
			(cd "$dir" && timeout 300 npm install --no-audit --no-fund --loglevel=error >npm.log 2>&1); then
			touch "$dir/.installed"
		fi
	fi
}
