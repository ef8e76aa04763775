#!/usr/bin/env bash
# Installs the built .deb the way a clinic would (`apt install ./clinicdesk_*.deb`), checks what it declares and
# installs (the app, `clinicctl` and the agent's systemd unit, not enabled; `clinicctl --help` must run), then starts the installed app the way the desktop menu does (the Exec line of its .desktop entry),
# under Xvfb, through tauri-driver/WebDriver, with a fresh data dir: it must open the first-run wizard. Saves a
# screenshot. Usage: scripts/test-deb.sh [path/to/package.deb] (default: the newest one `make package` built).
# Leaves the package installed with KEEP_INSTALLED=1; otherwise removes it again.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-$HOME/.cache/clinicdesk/target}
DEB=${1:-$(ls -t "$TARGET"/release/bundle/deb/*.deb 2>/dev/null | head -1)}
OUT=${DEB_TEST_OUT:-$TARGET/deb-test}
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
[ -f "$DEB" ] || { echo "no .deb found: run 'make package' first" >&2; exit 1; }
mkdir -p "$OUT"
echo "== package: $DEB"

# 1. what it declares
PKG=$(dpkg-deb -f "$DEB" Package)
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
echo "   $PKG depends on: $DEPENDS"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 postgresql; do
  grep -qw -- "$dep" <<<"$DEPENDS" || { echo "FAIL: the package does not declare $dep" >&2; exit 1; }
done

# 2. install it as a clinic would (apt resolves the declared dependencies)
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$(realpath "$DEB")" >/dev/null
cleanup() {
  [ -n "${DRIVER_PID:-}" ] && kill "$DRIVER_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  if [ -n "${DATA:-}" ] && [ -f "$DATA/pg/postmaster.pid" ]; then
    BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$BIN/pg_ctl" stop -m fast -D "$DATA/pg" >/dev/null 2>&1 || true
    else "$BIN/pg_ctl" stop -m fast -D "$DATA/pg" >/dev/null 2>&1 || true; fi
  fi
  [ -n "${DATA:-}" ] && rm -rf "$DATA"
  if [ "${KEEP_INSTALLED:-0}" != 1 ]; then
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq "$PKG" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# 3. the desktop menu entry and the program it starts
DESKTOP=$(dpkg -L "$PKG" | grep -E '^/usr/share/applications/.*\.desktop$' | head -1)
[ -n "$DESKTOP" ] || { echo "FAIL: no desktop menu entry installed" >&2; exit 1; }
EXEC=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$DESKTOP" | head -1)
APP=$(command -v "$EXEC" || echo "$EXEC")
[ -x "$APP" ] || { echo "FAIL: $DESKTOP starts $EXEC, which is not installed" >&2; exit 1; }
echo "   menu entry $DESKTOP starts $APP ($(grep -m1 '^Categories=' "$DESKTOP"))"

# 4. the headless tool and the agent's unit the docs use (docs/jobs.md): installed, runnable, the unit not enabled
for f in /usr/bin/clinicctl /lib/systemd/system/clinicdesk-agent.service /usr/share/doc/clinicdesk/agent.env.example; do
  dpkg -L "$PKG" | grep -qx -- "$f" || { echo "FAIL: the package does not install $f" >&2; exit 1; }
done
HELP=$(/usr/bin/clinicctl --help) || { echo "FAIL: the installed clinicctl does not run" >&2; exit 1; }
grep -qw agent <<<"$HELP" || { echo "FAIL: the installed clinicctl has no 'agent' command" >&2; exit 1; }
UNIT=/lib/systemd/system/clinicdesk-agent.service
grep -qx 'ExecStart=/usr/bin/clinicctl agent' "$UNIT" || { echo "FAIL: $UNIT does not start /usr/bin/clinicctl agent" >&2; exit 1; }
grep -qx 'EnvironmentFile=/etc/clinicdesk/agent.env' "$UNIT" || { echo "FAIL: $UNIT has no EnvironmentFile" >&2; exit 1; }
if ls /etc/systemd/system/*.wants/clinicdesk-agent.service >/dev/null 2>&1; then
  echo "FAIL: installing the package enabled the agent" >&2; exit 1
fi
echo "   clinicctl runs from the package; $UNIT installed, not enabled"

# 5. start it under Xvfb via tauri-driver, with a fresh data dir: the first-run wizard must open
DATA=$(mktemp -d /tmp/clinicdesk-deb-XXXXXX)
chmod 711 "$DATA"
DISPLAY_NUM=:$((90 + RANDOM % 9))
Xvfb "$DISPLAY_NUM" -screen 0 1280x820x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
PORT=$((4500 + RANDOM % 400))
DISPLAY=$DISPLAY_NUM CLINICDESK_DATA_DIR=$DATA tauri-driver --port "$PORT" --native-port $((PORT + 1)) \
  >"$OUT/tauri-driver.log" 2>&1 &
DRIVER_PID=$!
sleep 2
python3 - "$PORT" "$APP" "$OUT/first-run-wizard.png" <<'PY'
import base64, json, sys, time, urllib.request
port, app, png = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["value"]
sid = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": app}}}})["sessionId"]
try:
    text = ""
    for _ in range(120):  # the first start creates the built-in database: allow up to a minute
        text = call("POST", f"/session/{sid}/execute/sync", {"script": "return document.body.innerText", "args": []}) or ""
        if "Set up ClinicDesk" in text:
            break
        time.sleep(0.5)
    open(png, "wb").write(base64.b64decode(call("GET", f"/session/{sid}/screenshot")))
    if "Set up ClinicDesk" not in text:
        sys.exit(f"FAIL: the installed app did not open the first-run wizard; it shows: {text[:300]!r}")
    print(f"   the installed app opened the first-run wizard; screenshot: {png}")
finally:
    try:
        call("DELETE", f"/session/{sid}")
    except Exception:
        pass
PY
[ -f "$DATA/pg/PG_VERSION" ] || { echo "FAIL: the app did not create its built-in database in $DATA" >&2; exit 1; }
echo "OK: $PKG installs with apt, declares its dependencies, ships clinicctl and the agent unit, and starts from its menu entry into the wizard"
