#!/bin/bash
# technique: T1059 Command and Scripting Interpreter (Perl); T1027 Obfuscated Files or Information; T1140 Deobfuscate/Decode Files or Information
# reproduces: `perl -e 'eval pack("H*", ...)'` hex stagers of Linux IRC bots and miners (Outlaw/Dota3 campaigns), needing no module at all
# expect: interpreter-decode-eval ^perl$
# exec-borne: yes
#
# pack("H*") turns hex into code; eval runs it.
set -u

command -v perl >/dev/null 2>&1 || { echo "perl not installed" >&2; exit 77; }

run_perl_stage() {
	local hex=$1
	perl -e "eval(pack(\"H*\", \"$hex\")); die \$@ if \$@"
}

run_perl_stage 6f70656e286d792024662c20223e3e222c2024454e567b42575f41545441434b5f4d41524b7d29206f7220646965202273746167653a202421223b207072696e7420246620222424207065726c2d73746167655c6e223b20636c6f73652024663b
