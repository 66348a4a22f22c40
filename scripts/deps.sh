#!/bin/sh
# Installs the Debian packages named on the command line that are not
# installed yet. Silent when everything is present.
missing=""
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: no dpkg here; install by hand: $*" >&2
	exit 0
fi
for p in "$@"; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$s" in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || exit 1
$sudo apt-get install -y -qq --no-install-recommends $missing || exit 1
