#!/usr/bin/env bash
# Try whatsapp_integration in one command: on a fresh Debian 12 machine (as root, or with sudo)
# this builds a Frappe v15 bench, creates a site, installs the app, loads demo data (a Sandbox
# device whose sends never leave the site, contacts, an approved template, campaigns and
# conversations), starts the web server, socket.io, a worker, the scheduler and the WhatsApp Web
# session host, and prints the URL and the login.
#
#   scripts/trial.sh          # build (first run) or start (later runs)
#   scripts/trial.sh --stop   # stop what it started (MariaDB keeps running)
#
# Environment (all optional):
#   FRAPPE_SRC      Frappe's git repository    (default https://github.com/frappe/frappe)
#   FRAPPE_BRANCH   its branch                  (default version-15)
#   DATEPICKER_SRC  a local git copy of frappe/air-datepicker, for machines that reach the
#                   package registries but not GitHub (frappe's yarn.lock pins a GitHub tarball)
#   BENCH_DIR       the bench                   (default /opt/whatsapp-trial)
#   SITE            the site                    (default whatsapp-trial.localhost)
#   BENCH_USER      unix user owning the bench  (default frappe)
#   WEB_PORT        the desk's port             (default: the bench's webserver_port)
#   DB_ROOT_PASSWORD / ADMIN_PASSWORD           (default frappe / admin)
set -euo pipefail
{ # one block: bash reads the whole script before running it

FRAPPE_SRC=${FRAPPE_SRC:-https://github.com/frappe/frappe}
FRAPPE_BRANCH=${FRAPPE_BRANCH:-version-15}
DATEPICKER_SRC=${DATEPICKER_SRC:-}
BENCH_DIR=${BENCH_DIR:-/opt/whatsapp-trial}
SITE=${SITE:-whatsapp-trial.localhost}
BENCH_USER=${BENCH_USER:-frappe}
DB_ROOT_PASSWORD=${DB_ROOT_PASSWORD:-frappe}
ADMIN_PASSWORD=${ADMIN_PASSWORD:-admin}
PYTHON=${PYTHON:-/usr/bin/python3}
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
PIDS="$BENCH_DIR/trial.pids"
START=$(date +%s)

step() { printf '\n\033[1;34m==> [%4ss] %s\033[0m\n' "$(($(date +%s) - START))" "$*"; }
done_already() { printf '    (already done: %s)\n' "$*"; }
die() { printf '\033[1;31mtrial.sh: %s\033[0m\n' "$*" >&2; exit 1; }
as_user() { su - "$BENCH_USER" -c "$1" </dev/null; }
bench_do() { as_user "cd '$BENCH_DIR' && $1"; }
# Frappe's progress bars redraw one line with carriage returns: keep only their last state.
quiet_progress() { tr '\r' '\n' | awk '!/Updating DocTypes|Installing|Syncing/ || /100%/'; }

if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || die "run as root (it installs packages and creates the '$BENCH_USER' user)"
	exec sudo -E "$0" "$@"
fi

# ---------------------------------------------------------------- processes
# Each process's pid goes into $PIDS as "name pid"; a re-run starts only what is not running.
running() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ ! -f "$PIDS" ] || awk -v n="$1" '$1 == n {print $2}' "$PIDS" | tail -1; }

start_process() { # name, command run in the bench as the bench user
	local pid
	pid=$(pid_of "$1")
	if running "$pid"; then done_already "$1 (pid $pid)"; return; fi
	pid=$(as_user "cd '$BENCH_DIR' && { nohup $2 >'logs/trial-$1.log' 2>&1 & echo \$!; }")
	echo "$1 $pid" >>"$PIDS"
	echo "    $1 started (pid $pid, log $BENCH_DIR/logs/trial-$1.log)"
}

stop_all() {
	[ -f "$PIDS" ] || { echo "nothing to stop"; return; }
	local name pid
	while read -r name pid; do
		running "$pid" && { pkill -TERM -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; }
		echo "stopped $name"
	done <"$PIDS"
	for conf in "$BENCH_DIR"/config/redis_cache.conf "$BENCH_DIR"/config/redis_queue.conf; do
		port=$(awk '$1 == "port" {print $2}' "$conf")
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
	done
	rm -f "$PIDS"
}

if [ "${1:-}" = "--stop" ]; then stop_all; exit 0; fi
[ -z "${1:-}" ] || die "unknown argument $1 (use --stop, or nothing)"

# ---------------------------------------------------------------- system packages
step "System packages (apt)"
packages="git curl gcc pkg-config python3-dev python3-venv libmariadb-dev mariadb-server mariadb-client
	redis-server wkhtmltopdf cron"
command -v node >/dev/null || packages="$packages nodejs npm"
missing=$(for p in $packages; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	apt-get update -q
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
else done_already "all installed"; fi
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ] || die "Frappe v15 needs Node 18 or newer"
command -v yarn >/dev/null || npm install -g -s yarn

# ---------------------------------------------------------------- MariaDB
step "MariaDB (utf8mb4, root password)"
cnf=/etc/mysql/mariadb.conf.d/99-frappe.cnf
if [ ! -f "$cnf" ]; then
	printf '[mysqld]\ncharacter-set-client-handshake = FALSE\ncharacter-set-server = utf8mb4\ncollation-server = utf8mb4_unicode_ci\n\n[mysql]\ndefault-character-set = utf8mb4\n' >"$cnf"
	! mysqladmin ping >/dev/null 2>&1 || service mariadb restart
fi
mysqladmin ping >/dev/null 2>&1 || service mariadb start
for _ in $(seq 30); do mysqladmin ping >/dev/null 2>&1 && break; sleep 1; done
if MYSQL_PWD="$DB_ROOT_PASSWORD" mysql -uroot -h127.0.0.1 -e 'select 1' >/dev/null 2>&1; then
	done_already "root password works"
else
	mysql -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('$DB_ROOT_PASSWORD'); FLUSH PRIVILEGES;" \
		|| die "cannot set MariaDB's root password; pass the one it has as DB_ROOT_PASSWORD"
fi

# ---------------------------------------------------------------- bench user and CLI
step "User '$BENCH_USER' with the bench CLI"
id "$BENCH_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$BENCH_USER"
user_home=$(getent passwd "$BENCH_USER" | cut -d: -f6)
# shellcheck disable=SC2016 # expanded by the bench user's login shell
grep -q 'bench-venv/bin' "$user_home/.profile" 2>/dev/null \
	|| echo 'export PATH="$HOME/.bench-venv/bin:$PATH"' >>"$user_home/.profile"
as_user "git config --global --get-all safe.directory | grep -qx '\*' || git config --global --add safe.directory '*'"
if [ -x "$user_home/.bench-venv/bin/bench" ]; then done_already "bench CLI"
else as_user "$PYTHON -m venv ~/.bench-venv && ~/.bench-venv/bin/pip install -q 'frappe-bench>=5.22,<6'"; fi

if [ -n "$DATEPICKER_SRC" ]; then
	# frappe's package.json takes air-datepicker from GitHub; yarn's offline mirror can hold it.
	pinned=$(git -c safe.directory='*' -C "$FRAPPE_SRC" show "$FRAPPE_BRANCH:yarn.lock" 2>/dev/null \
		| awk '/^"?air-datepicker@/{f=1} f && /resolved/{print; exit}' | grep -oE '[0-9a-f]{40}' || true)
	[ -n "$pinned" ] || die "DATEPICKER_SRC needs FRAPPE_SRC to be a local git copy (to read the pinned commit)"
	mkdir -p "$user_home/.yarn-offline-mirror"
	[ -s "$user_home/.yarn-offline-mirror/$pinned" ] || git -c safe.directory='*' -C "$DATEPICKER_SRC" \
		archive --format=tar.gz --prefix=package/ -o "$user_home/.yarn-offline-mirror/$pinned" "$pinned"
	grep -q '^yarn-offline-mirror ' "$user_home/.yarnrc" 2>/dev/null \
		|| echo "yarn-offline-mirror \"$user_home/.yarn-offline-mirror\"" >>"$user_home/.yarnrc"
	chown -R "$BENCH_USER:" "$user_home/.yarn-offline-mirror" "$user_home/.yarnrc"
fi

# ---------------------------------------------------------------- bench
step "Bench $BENCH_DIR (Frappe $FRAPPE_BRANCH; a few minutes on the first run)"
if [ -x "$BENCH_DIR/env/bin/python" ] && grep -qx frappe "$BENCH_DIR/sites/apps.txt" 2>/dev/null; then
	done_already "bench exists"
else
	[ ! -e "$BENCH_DIR" ] || [ -z "$(ls -A "$BENCH_DIR")" ] \
		|| die "$BENCH_DIR exists but is not a finished bench: remove it and re-run"
	mkdir -p "$BENCH_DIR"; chown "$BENCH_USER:" "$BENCH_DIR"
	frappe_path=$FRAPPE_SRC
	if [ -d "$FRAPPE_SRC" ]; then # a local copy: bench clones from a plain clone of the branch
		frappe_path="$user_home/.cache/whatsapp-trial/frappe"
		rm -rf "$frappe_path"; mkdir -p "$(dirname "$frappe_path")"
		git -c safe.directory='*' clone -q --branch "$FRAPPE_BRANCH" --depth 1 "file://$(realpath "$FRAPPE_SRC")" "$frappe_path"
		chown -R "$BENCH_USER:" "$user_home/.cache"
	fi
	as_user "bench init --frappe-path '$frappe_path' --frappe-branch '$FRAPPE_BRANCH' --python '$PYTHON' \
		--skip-assets --no-backups --ignore-exist '$BENCH_DIR'" || die "bench init failed (see above)"
	# pkg_resources is still imported by some of Frappe's dependencies.
	bench_do "env/bin/python -m pip install -q 'setuptools<81' && mkdir -p archived/apps"
fi

step "Redis of the bench"
for name in redis_cache redis_queue; do
	port=$(awk '$1 == "port" {print $2}' "$BENCH_DIR/config/$name.conf")
	if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then done_already "$name on $port"
	else as_user "redis-server '$BENCH_DIR/config/$name.conf' --daemonize yes --logfile '$BENCH_DIR/logs/$name.log'"; fi
done

# ---------------------------------------------------------------- app and site
# A new site skips the setup wizard: English, UTC (also the Administrator's), the desk's home
# page set as the wizard sets it (without it the desk has no navbar).
step "The app (from $APP_DIR)"
if [ -e "$BENCH_DIR/apps/whatsapp_integration" ]; then done_already "in apps/"
else
	app_src=$APP_DIR
	if ! su - "$BENCH_USER" -c "test -r '$APP_DIR/pyproject.toml'"; then # the bench user cannot read it
		app_src="$user_home/whatsapp_integration"
		git -c safe.directory='*' clone -q "$APP_DIR" "$app_src" && chown -R "$BENCH_USER:" "$app_src"
	fi
	bench_do "bench get-app --soft-link '$app_src'"
fi

step "Site $SITE"
if [ -f "$BENCH_DIR/sites/$SITE/site_config.json" ]; then done_already "site exists"
else
	bench_do "bench new-site '$SITE' --db-root-password '$DB_ROOT_PASSWORD' --admin-password '$ADMIN_PASSWORD'" \
		2>&1 | quiet_progress
	[ -f "$BENCH_DIR/sites/$SITE/site_config.json" ] || die "bench new-site failed (see above)"
	bench_do "bench --site '$SITE' execute frappe.db.set_single_value --args \"['System Settings', {'setup_complete': 1, 'language': 'en', 'time_zone': 'UTC'}]\" && bench --site '$SITE' execute frappe.db.set_value --args \"['User', 'Administrator', 'time_zone', 'UTC']\" && bench --site '$SITE' execute frappe.db.set_default --args \"['desktop:home_page', 'workspace']\" && bench --site '$SITE' clear-cache" >/dev/null
fi
bench_do "bench use '$SITE'"
if bench_do "bench --site '$SITE' list-apps" | grep -q whatsapp_integration; then done_already "app installed"
else bench_do "bench --site '$SITE' install-app whatsapp_integration" 2>&1 | quiet_progress; fi
bench_do "bench --site '$SITE' enable-scheduler" >/dev/null

step "Demo data (Sandbox device, contacts, template, campaigns, conversations)"
bench_do "bench --site '$SITE' execute whatsapp_integration.site.demo.load_demo_data"

step "Assets"
assets="$BENCH_DIR/sites/assets/assets.json"
if ! grep -qs '"desk.bundle.js"' "$assets"; then bench_do "bench build --force"
elif [ -n "$(find -L "$BENCH_DIR/apps/whatsapp_integration/whatsapp_integration/public" -newer "$assets" -print -quit)" ]; then
	bench_do "bench build --app whatsapp_integration" # the app's files changed since the last build
else done_already "built"; fi

# ---------------------------------------------------------------- start
step "Starting the web server, socket.io, a worker, the scheduler and the session host"
web_port=${WEB_PORT:-$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("webserver_port", 8000))' "$BENCH_DIR/sites/common_site_config.json")}
start_process web "env DEV_SERVER=true bench serve --port $web_port"
start_process socketio "node apps/frappe/socketio.js"
start_process worker "bench worker"
start_process schedule "bench schedule"
start_process session-host "bench --site $SITE whatsapp-web-host"
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$web_port/api/method/ping" >/dev/null && break; sleep 1; done
curl -fs "http://127.0.0.1:$web_port/api/method/ping" >/dev/null || die "the web server did not answer; see $BENCH_DIR/logs/trial-web.log"

step "Ready in $(($(date +%s) - START)) s"
cat <<EOF
  Open  http://$SITE:$web_port/app/whatsapp   (or http://127.0.0.1:$web_port when $SITE is the only site)
  Login Administrator / $ADMIN_PASSWORD
  The "Sandbox" device answers like Meta without leaving this machine.
  Stop  $0 --stop        Start again  $0
EOF
grep -q "[[:space:]]$SITE\$" /etc/hosts || printf '  (add "127.0.0.1 %s" to /etc/hosts to open it by name)\n' "$SITE"
exit 0
}
