#!/bin/sh
# Installs the Debian packages schedlab needs to build and test, if missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -e
PKGS="make clang lld llvm perl libclang-rt-14-dev libclang-rt-14-dev-wasm32 wasi-libc wabt \
libjansson-dev libyaml-dev libpcre2-dev libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev \
valgrind nodejs python3 musl-tools libgnutls28-dev python3-kubernetes wrk curl \
protobuf-compiler python3-protobuf nghttp2-proxy"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
