// Child processes for the test suites that run servers: free ports, long-running servers
// with their output kept, one-shot commands, waiting for a URL to answer, and a stuck
// SQLite writer. Used by the browser tests (harness.mjs) and by the other clients' tests
// (../clients/servers.mjs), so it needs nothing but Node's built-ins.
//
// Every process started here is stopped when this process ends, however it ends.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const children = [];
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port of 127.0.0.1 that nothing listens on just now. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on('error', fail);
  });
}

/** A long-running server, in its own process group so that stopping it stops its children. */
export function start(name, command, args, options) {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.log = '';
  child.name = name;
  child.stdout.on('data', (d) => { child.log += d; });
  child.stderr.on('data', (d) => { child.log += d; });
  child.on('exit', (code, signal) => {
    child.exited = true;
    if (!child.stopping) console.error(`${name} exited early (${code ?? signal}):\n${child.log}`);
  });
  children.push(child);
  return child;
}

/** What a server (by its name given to start(), e.g. 'backend') has printed so far. */
export function serverOutput(name) {
  const child = children.find((c) => c.name === name);
  assert.ok(child, `no server named ${name}`);
  return child.log;
}

function signalAll(signal) {
  for (const child of children) {
    if (child.exited) continue;
    child.stopping = true;
    try { process.kill(-child.pid, signal); } catch { /* already gone */ }
  }
}

/** Stop every process started here: SIGTERM, then SIGKILL for any still running after 5 s. */
export async function stopAll() {
  signalAll('SIGTERM');
  const until = Date.now() + 5000;
  while (children.some((c) => !c.exited) && Date.now() < until) await pause(100);
  signalAll('SIGKILL');
}

// Whatever happens to this process, its servers do not outlive it.
process.on('exit', () => signalAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { signalAll('SIGKILL'); process.exit(130); });
}

/** A short command that must succeed, within a time limit. */
export function run(what, command, args, options, timeout = 180000) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  assert.equal(result.status, 0, `${what} failed (${result.error ?? result.signal ?? result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** Wait until a URL answers with something other than a server error. */
export async function waitFor(url, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.status < 500) return;
    } catch { /* not up yet */ }
    await pause(200);
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/**
 * Hold an SQLite file's write lock, as a stuck writer would, until the returned function
 * is called (python: the interpreter to do it with).
 */
export async function holdSqliteLock(python, file) {
  const holder = spawn(python, ['-c', [
    'import sqlite3, sys',
    `db = sqlite3.connect(${JSON.stringify(file)}, isolation_level=None)`,
    "db.execute('BEGIN IMMEDIATE')",
    "print('locked', flush=True)",
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(holder);
  holder.on('exit', () => { holder.exited = true; });
  await new Promise((ok, fail) => {
    holder.stdout.on('data', (d) => String(d).includes('locked') && ok());
    holder.on('exit', (code) => fail(new Error(`the lock holder exited (${code})`)));
    setTimeout(() => fail(new Error('the lock holder did not take the lock')), 10000);
  });
  return async () => {
    holder.stopping = true;
    holder.stdin.end();
    const until = Date.now() + 5000;
    while (!holder.exited && Date.now() < until) await pause(20);
  };
}
