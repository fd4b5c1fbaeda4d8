#!/bin/bash
# technique: T1552.004 Unsecured Credentials: Private Keys
# reproduces: release-signing keys stolen from build hosts: compromised packages and build steps that archive ~/.gnupg (private-keys-v1.d) for upload, as the PyTorch nightly (torchtriton, 2022) and npm worm payloads collected keys and configs
# expect: credential-file-access ^tar$
# exec-borne: no
#
# A signing key as a release job imports it; the archive is staged in a
# temporary directory, as a collector does before one upload.
set -u

STAGE=$(mktemp -d "${BW_ATTACK_TMP:?}/collect-XXXXXX")
trap 'rm -rf "$STAGE" "$HOME/.gnupg"' EXIT
mkdir -p -m 700 "$HOME/.gnupg/private-keys-v1.d"
printf '(private-key (rsa (n #00#)))\n' >"$HOME/.gnupg/private-keys-v1.d/3F2A9C.key"

tar -C "$HOME" -czf "$STAGE/g.tgz" .gnupg
