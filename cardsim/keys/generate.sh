#!/bin/sh
# Regenerates the simulator's fixed TEST keys (RSA-2048, PKCS#8 PEM). They are committed so that
# every simulator start uses the same keys (certificates and CV certificates then carry the same
# public keys run to run) and so that start-up does not pay for RSA key generation.
# These keys protect nothing: they exist only inside the simulated card and its test CAs.
# Usage: cardsim/keys/generate.sh   (overwrites the *.pem files next to this script)
set -eu
cd "$(dirname "$0")"
for name in \
    auth_root sign_root \
    auth_user sign_user \
    text_cvca face_cvca \
    text_issuer face_issuer \
    text_ap text_sm face_card
do
    openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -pkeyopt rsa_keygen_pubexp:65537 \
        -out "$name.pem"
done
