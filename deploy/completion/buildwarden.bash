# bash completion for buildwarden (installed by `make deb` and `make dist`
# as share/bash-completion/completions/buildwarden).
#
# Options are read from `buildwarden COMMAND --help` when first needed, so
# the completion always matches the installed binary; only the commands,
# the option values that are fixed words and which options take a file are
# written here. Works with and without the bash-completion package.
# shellcheck shell=bash disable=SC2207

_buildwarden_opts() {
	# Option lines of --help start with "  -x, --name" or "      --name".
	"$1" "$2" --help 2>/dev/null |
		sed -n 's/^ \{1,8\}\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u
}

_buildwarden() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command is the first word after the program that is not an option.
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "run daemon policy report doctor --help --version" -- "$cur"))
		return 0
	fi

	# `run` options end at the build's command: complete that as a command.
	if [ "$cmd" = run ]; then
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--) COMPREPLY=($(compgen -c -- "$cur")); return 0 ;;
			-e | --events | -p | --policy | -r | --report | -m | --markdown | --user | \
				--webhook | --webhook-format | --webhook-secret-file | --ringbuf-mb | \
				--record | --deny-hook | --exec-env | --checkout | --scope | \
				--max-processes | --fail-on | --html | --otlp-traces | --otlp-protocol | \
				--otlp-header)
				i=$((i + 1)) ;;
			-*) ;;
			*) COMPREPLY=($(compgen -c -- "$cur")); return 0 ;;
			esac
		done
	fi

	case $prev in
	-e | --events | -p | --policy | -r | --report | -m | --markdown | -j | --json | \
		-c | --config | --webhook-secret-file | --html | --sarif | --junit | -o | --output | \
		--sarif-anchor)
		# -j is a flag of policy and doctor, a file of report.
		if [ "$cmd" = report ] || { [ "$prev" != -j ] && [ "$prev" != --json ]; }; then
			COMPREPLY=($(compgen -f -- "$cur"))
			compopt -o filenames 2>/dev/null
			return 0
		fi
		;;
	--checkout)
		COMPREPLY=($(compgen -d -W none -- "$cur"))
		compopt -o filenames 2>/dev/null
		return 0
		;;
	--user) COMPREPLY=($(compgen -u -- "$cur")); return 0 ;;
	--record) COMPREPLY=($(compgen -W "auto all exec connect dns file privilege" -- "$cur")); return 0 ;;
	--webhook-format) COMPREPLY=($(compgen -W "slack teams generic" -- "$cur")); return 0 ;;
	--deny-hook) COMPREPLY=($(compgen -W "auto sigkill" -- "$cur")); return 0 ;;
	--scope) COMPREPLY=($(compgen -W "job host" -- "$cur")); return 0 ;;
	--fail-on) COMPREPLY=($(compgen -W "info low medium high critical" -- "$cur")); return 0 ;;
	--otlp-protocol) COMPREPLY=($(compgen -W "http/protobuf http/json" -- "$cur")); return 0 ;;
	--webhook | --ringbuf-mb | --exec-env | --max-processes | --otlp-traces | --otlp-header) return 0 ;;
	esac

	if [ "$cmd" = policy ] && [ "$prev" = policy ]; then
		COMPREPLY=($(compgen -W "check default suggest test --help" -- "$cur"))
		return 0
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_buildwarden_opts "${COMP_WORDS[0]}" "$cmd")" -- "$cur"))
		return 0
	fi
	case $cmd in
	report | policy)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null
		;;
	esac
	return 0
}
complete -F _buildwarden buildwarden
