// The processes the browser tests run against: the `ferrodoor` binary (a temporary SQLite
// database, a free loopback port) and its WeChat emulator, started by the launcher the node
// suites share (tests/support/ferrodoor.mjs). Their output goes to log files next to the
// screenshots.

import { startServer as start } from '../../support/ferrodoor.mjs';

export { Admin, BIN, startEmulator } from '../../support/ferrodoor.mjs';

/** `ferrodoor serve` in a temporary directory of its own (removed by `stop()`). */
export function startServer({ adminPassword, wechatApiBase, logDir, logName, extraEnv }) {
  return start({ adminPassword, wechatApiBase, logDir, logName, extraEnv, tmpPrefix: 'ferrodoor-console-' });
}
