// graphql-http's audit of the GraphQL-over-HTTP spec (its `serverAudits`, the reference
// implementation's), against the running backend: every MUST and SHOULD must pass; the
// MAYs that do not are printed as notices.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serverAudits } from 'graphql-http';

import { servers } from './servers.mjs';

test('graphql-http serverAudits: every MUST and SHOULD passes', async () => {
  const audits = serverAudits({ url: () => servers.graphql });
  const results = await Promise.all(audits.map(({ fn }) => fn()));
  const failed = results.filter((r) => r.status === 'error' || r.status === 'warn');
  const notices = results.filter((r) => r.status === 'notice');
  for (const r of results) {
    console.log(`${r.status === 'ok' ? 'ok    ' : r.status.padEnd(6)} ${r.id} ${r.name}${r.reason ? ` (${r.reason})` : ''}`);
  }
  console.log(`${results.length} audits: ${results.length - failed.length - notices.length} passed, ` +
    `${notices.length} MAY notices, ${failed.length} MUST/SHOULD failures`);
  assert.equal(results.length, audits.length);
  assert.ok(results.length >= 60, `graphql-http ran only ${results.length} audits`);
  assert.deepEqual(failed.map((r) => `${r.id} ${r.name}: ${r.reason}`), []);
  for (const level of ['MUST', 'SHOULD']) {
    assert.ok(results.some((r) => r.name.startsWith(level) && r.status === 'ok'), `no ${level} audit passed`);
  }
});
