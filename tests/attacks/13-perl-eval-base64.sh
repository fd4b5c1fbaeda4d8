#!/bin/sh
# technique: T1059 Command and Scripting Interpreter (Perl); T1140 Deobfuscate/Decode Files or Information
# reproduces: Perl droppers of Linux botnets (Outlaw/Shellbot) and obfuscated CPAN-style install hooks: `perl -e 'eval(decode_base64(...))'`
# expect: interpreter-decode-eval ^perl$
# exec-borne: yes
#
# The encoded stage is passed as an argument; the -e program decodes and
# evaluates it.
set -u

command -v perl >/dev/null 2>&1 || { echo "perl not installed" >&2; exit 77; }

stage=b3BlbihteSAkZiwgIj4+IiwgJEVOVntCV19BVFRBQ0tfTUFSS30pIG9yIGRpZSAic3RhZ2U6ICQhIjsgcHJpbnQgJGYgIiQkIHBlcmwtc3RhZ2VcbiI7IGNsb3NlICRmOw==

perl -MMIME::Base64 -e 'eval(decode_base64($ARGV[0])); die $@ if $@' "$stage"
