// `npm run codegen:check`: generate src/gql/ afresh into a temporary directory and
// fail when the committed files differ (an operation or ../../schema.graphql changed
// without `npm run codegen`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = join(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(app, 'src/gql');
const fresh = mkdtempSync(join(tmpdir(), 'apollo-codegen-'));
try {
  const run = spawnSync(join(app, 'node_modules/.bin/graphql-codegen'), ['--config', 'codegen.ts', '--silent'], {
    cwd: app,
    env: { ...process.env, CODEGEN_OUT: `${fresh}/` },
    stdio: 'inherit',
    timeout: 120000,
  });
  if (run.status !== 0) {
    console.error(`codegen:check: graphql-codegen failed (${run.error ?? run.signal ?? run.status})`);
    process.exit(1);
  }
  const list = (dir) => {
    try {
      return readdirSync(dir).sort();
    } catch {
      return [];
    }
  };
  const names = new Set([...list(committed), ...list(fresh)]);
  const stale = [...names].filter((name) => {
    const read = (dir) => {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return null;
      }
    };
    return read(committed) !== read(fresh);
  });
  if (stale.length) {
    console.error(`codegen:check: src/gql/ is stale (${stale.join(', ')}); run \`npm run codegen\` and commit it.`);
    process.exit(1);
  }
  console.log('codegen:check: src/gql/ is up to date');
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
