// The browser tests' harness, the one module the tests import: the servers (servers.mjs,
// their processes by processes.mjs), a browser whose only network is this machine and the
// helpers for its pages (browser.mjs), started before the first test and stopped after the
// last, even on failure. all.test.mjs runs every test file in one process, so the servers
// start once.
import { after, before } from 'node:test';

import { closeBrowser, launchBrowser } from './browser.mjs';
import { startServers, stopServers } from './servers.mjs';

before(async () => {
  await startServers();
  await launchBrowser();
}, { timeout: 300000 });

after(async () => {
  await closeBrowser();
  await stopServers();
});

export {
  agreeToAllTerms, answer, apiAnswer, expect, expireNextMe, loginAs, newContext, newPage, onOperation,
  pressAgree, recordOperations, shot, toConsent,
} from './browser.mjs';
export { serverOutput } from './processes.mjs';
export { KAKAO_KEY, REAUTHENTICATION_SECONDS, databaseFile, holdDatabaseLock, queryDatabase, urls } from './servers.mjs';
