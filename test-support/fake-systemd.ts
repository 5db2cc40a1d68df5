/**
 * Stand-ins for `systemd-run` and `systemctl`, for tests that run the agent's start and teardown
 * scripts (lib/platforms/client/agent-commands.ts) with /bin/sh on a machine without systemd as
 * PID 1. `systemd-run --unit=U … COMMAND…` starts COMMAND in the background and records its pid
 * under U; `systemctl is-active --quiet U`, `show --property=MainPID --value U` and `stop U`
 * answer from that record (stop signals the process and its children). Every call is logged, one
 * line each, to `calls.log` in the state directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes the two fake programs into `binDir` (put it first on PATH); their state goes to `stateDir`. */
export function installFakeSystemd(binDir: string, stateDir: string): { callsFile: string } {
  mkdirSync(binDir, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const state = JSON.stringify(stateDir);
  const callsFile = join(stateDir, 'calls.log');
  writeFileSync(
    join(binDir, 'systemd-run'),
    `#!/bin/sh
echo "systemd-run $*" >> ${state}/calls.log
unit=''
while [ $# -gt 0 ]; do case "$1" in --unit=*) unit="\${1#--unit=}"; shift;; -*) shift;; *) break;; esac; done
[ -n "$unit" ] || { echo 'fake systemd-run: no --unit' >&2; exit 2; }
"$@" > /dev/null 2>&1 < /dev/null &
echo $! > ${state}/"$unit.pid"
`,
    { mode: 0o755 },
  );
  writeFileSync(
    join(binDir, 'systemctl'),
    `#!/bin/sh
echo "systemctl $*" >> ${state}/calls.log
verb=$1
for unit; do :; done
pidfile=${state}/"$unit.pid"
alive() { [ -f "$pidfile" ] || return 1; s=$(ps -o stat= -p "$(cat "$pidfile")" 2>/dev/null) || return 1; [ -n "$s" ] && [ "\${s#Z}" = "$s" ]; }
case "$verb" in
  is-active) alive ;;
  show) alive && cat "$pidfile" || echo 0 ;;
  stop) if [ -f "$pidfile" ]; then pid=$(cat "$pidfile"); pkill -TERM -P "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; rm -f "$pidfile"; fi ;;
  *) exit 1 ;;
esac
exit $?
`,
    { mode: 0o755 },
  );
  return { callsFile };
}
