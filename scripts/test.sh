#!/usr/bin/env bash
# The one test command: on a fresh Debian machine it installs what the framework-free tests
# need (Chromium, chromedriver, redis-server and shellcheck from apt; the app and pytest into .venv), then
# runs pytest. Extra arguments go to pytest, e.g. `scripts/test.sh -k webhook`.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(chromium chromium-driver redis-server shellcheck)
missing=()
for package in "${apt_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
	sudo_cmd=()
	[ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update -q
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
exec .venv/bin/python -m pytest "$@"
