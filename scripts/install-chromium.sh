#!/bin/sh
# install-chromium.sh installs the Debian "chromium" package when no Chromium
# is present, for the browser tests in e2e/browser. It is safe to run again:
# with Chromium already installed it does nothing. Run it as root (as CI does)
# or with sudo available.
set -eu

for bin in "${GATEHOUSE_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
	if [ -n "$bin" ] && [ -x "$bin" ]; then
		echo "chromium: $bin ($("$bin" --version 2>/dev/null || echo unknown version))"
		exit 0
	fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: installed $(/usr/bin/chromium --version)"
