#!/bin/sh
# Installs what neardup needs to build and test, from Debian 12 packages only.
# Run as root (or with sudo). Safe to run again: apt-get skips what is installed.
set -eu
pkgs="build-essential cmake pkg-config libxxhash-dev uthash-dev check libutf8proc-dev libcjson-dev libsqlite3-dev python3 valgrind time"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
