/**
 * The built `pinterest-capi` bin as a child process, as `npm start` runs it: its stdout read as
 * pino JSON lines, its stderr kept as text. Every process started here is remembered, so a test
 * file's `afterEach` can end whatever a failing test left running.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bin `npm start` runs; `npm test` builds it before the tests. */
export const RELAY_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** One JSON log line of the relay. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RelayProcess {
  /** The relay's URL, from its `relay listening` log line. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, however it ended. */
  readonly exited: Promise<ProcessExit>;
  stdout(): string;
  stderr(): string;
  /** The stdout lines that parse as JSON log lines, in order. */
  logs(): LogLine[];
  /** Resolves with the first log line (already written or still to come) with this message. */
  waitForLog(msg: string, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then the exit. */
  stop(): Promise<ProcessExit>;
  /** SIGKILL, then the exit. */
  kill(): Promise<ProcessExit>;
}

export interface StartRelayOptions {
  /** Working directory: the default `./data/` database is created under it. */
  cwd: string;
  /** The whole environment besides PATH and HOME: nothing leaks in from the test runner's. */
  env?: Record<string, string>;
  /** Arguments after `serve`. @default ['--port', '0'] */
  args?: string[];
  /** How long to wait for `relay listening`. @default 15000 */
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

/** A clean environment: the test runner's own (NODE_ENV=test, credentials) must not leak in. */
export function relayEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    ...env,
  };
}

function assertBuilt(): void {
  if (!existsSync(RELAY_BIN)) {
    throw new Error(`${RELAY_BIN} is missing: run \`npm run build\` before these tests`);
  }
}

/** Starts `pinterest-capi serve` and resolves once it logged `relay listening`. */
export async function startRelayProcess(options: StartRelayOptions): Promise<RelayProcess> {
  assertBuilt();
  const child = spawn(
    process.execPath,
    [RELAY_BIN, 'serve', ...(options.args ?? ['--port', '0'])],
    {
      cwd: options.cwd,
      env: relayEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  const output = collectOutput(child);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const waitForLog = (msg: string, timeoutMs = 15_000) =>
    waitForLine(output, exited, (line) => line.msg === msg, timeoutMs);
  const listening = await waitForLog('relay listening', options.timeoutMs).catch(
    (error: unknown) => {
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\nstderr:\n${output.stderr()}`);
    },
  );

  const signalAndWait = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };

  return {
    url: String(listening['url']),
    child,
    exited,
    stdout: output.stdout,
    stderr: output.stderr,
    logs: output.logs,
    waitForLog,
    stop: () => signalAndWait('SIGTERM'),
    kill: () => signalAndWait('SIGKILL'),
  };
}

/** Runs `pinterest-capi <args>` to its end (a command expected to exit by itself). */
export async function runRelayCommand(options: {
  cwd: string;
  args: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<ProcessExit & { stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [RELAY_BIN, ...options.args], {
    cwd: options.cwd,
    env: relayEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const output = collectOutput(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
  const exit = await new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  clearTimeout(timer);
  return { ...exit, stdout: output.stdout(), stderr: output.stderr() };
}

/** SIGKILLs every process this module started that is still running, and waits for each. */
export async function killRelayProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => {
            resolve();
          });
          child.kill('SIGKILL');
        }),
    ),
  );
}

interface Output {
  stdout: () => string;
  stderr: () => string;
  logs: () => LogLine[];
  /** Calls `listener` with each complete stdout line as it arrives; returns the unsubscriber. */
  onLine: (listener: (line: LogLine) => void) => () => void;
}

function collectOutput(child: ChildProcess): Output {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const lines: LogLine[] = [];
  const listeners = new Set<(line: LogLine) => void>();
  let partial = '';

  child.stdout?.on('data', (chunk: Buffer) => {
    out.push(chunk);
    partial += chunk.toString('utf8');
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      const line = parseLogLine(text);
      if (line === undefined) continue;
      lines.push(line);
      for (const listener of listeners) listener(line);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));

  return {
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    logs: () => [...lines],
    onLine: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function parseLogLine(text: string): LogLine | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed) return parsed as LogLine;
  } catch {
    // Not a log line (a banner or a stack trace): kept in stdout() only.
  }

  return undefined;
}

function waitForLine(
  output: Output,
  exited: Promise<ProcessExit>,
  match: (line: LogLine) => boolean,
  timeoutMs: number,
): Promise<LogLine> {
  const seen = output.logs().find(match);
  if (seen) return Promise.resolve(seen);

  return new Promise<LogLine>((resolve, reject) => {
    const stopListening = output.onLine((line) => {
      if (!match(line)) return;
      cleanUp();
      resolve(line);
    });
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`no matching log line within ${timeoutMs} ms`));
    }, timeoutMs);
    void exited.then((exit) => {
      cleanUp();
      reject(new Error(`the relay exited (${JSON.stringify(exit)}) before the log line`));
    });
    function cleanUp() {
      stopListening();
      clearTimeout(timer);
    }
  });
}
