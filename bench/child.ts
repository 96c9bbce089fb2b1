/**
 * Servers in child processes for the benchmarks, so that the client's own work and memory do not
 * count against them: the mock (`node bin/routstr-mock.js serve`), aimock (`bench/aimock.ts` run
 * directly) and the bare paced SSE server (`bench/bare-sse.ts` run directly). Each child's resident memory is read from /proc/<pid>/status (Linux), without
 * touching the child's event loop; `BENCH_CPU_PROF=DIR` makes every child write a CPU profile
 * (node --cpu-prof) to DIR when it stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface ChildServer {
  /** e.g. http://127.0.0.1:41234 (no /v1). */
  origin: string;
  pid: number;
  /** Everything the child printed (the last 20 kB). */
  output(): string;
  /** Stops the child (SIGTERM, so a CPU profile is written; SIGKILL after 5 s). */
  stop(): Promise<void>;
}

function profArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Spawns `node args…` and waits for a line matching `ready` (its first group: the origin). */
export function spawnServer(args: string[], ready: RegExp, timeoutMs = 20_000): Promise<ChildServer> {
  const proc: ChildProcess = spawn(process.execPath, [...profArgs(), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  const append = (d: Buffer) => {
    output = `${output}${d.toString()}`.slice(-20_000);
  };
  proc.stdout!.on('data', append);
  proc.stderr!.on('data', append);
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  const server = (origin: string): ChildServer => ({
    origin,
    pid: proc.pid!,
    output: () => output,
    stop: async () => {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the child did not start in ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    proc.stdout!.on('data', () => {
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(server(m[1]!));
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`the child exited before it was ready: ${output}`));
    });
  });
}

/** The mock, `routstr-mock serve --port 0` with the scenario given (an object in the scenario format). */
export function spawnMock(scenario: Record<string, unknown>): Promise<ChildServer> {
  return spawnServer(['bin/routstr-mock.js', 'serve', '--port', '0', '--scenario', JSON.stringify(scenario)], / on (http:\/\/\S+)\/v1/);
}

/** aimock answering every chat completion with bench/aimock.ts's ~60-token reply. */
export function spawnAimock(stream: { ttftMs?: number; tokensPerSecond?: number } = {}): Promise<ChildServer> {
  return spawnServer(
    ['--import', 'tsx', 'bench/aimock.ts', '--port', '0', '--ttft', String(stream.ttftMs ?? 0), '--tps', String(stream.tokensPerSecond ?? 0)],
    /aimock listening on (http:\/\/\S+)/,
  );
}

/** The bare paced SSE server of bench/bare-sse.ts (node:http only), the baseline of the paced streams bench. */
export function spawnBareSse(stream: { ttftMs?: number; tokensPerSecond?: number } = {}): Promise<ChildServer> {
  return spawnServer(
    ['--import', 'tsx', 'bench/bare-sse.ts', '--port', '0', '--ttft', String(stream.ttftMs ?? 0), '--tps', String(stream.tokensPerSecond ?? 0)],
    /bare-sse listening on (http:\/\/\S+)/,
  );
}

/** Resident and peak resident memory of a process, in bytes, from /proc (Linux); undefined elsewhere or once it is gone. */
export function procMemory(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `everyMs` and keeps the highest. */
export class RssSampler {
  max = 0;
  samples = 0;
  private timer: NodeJS.Timeout;
  constructor(
    private readonly read: () => number | undefined,
    everyMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }
  sample(): void {
    const rss = this.read();
    if (rss !== undefined && Number.isFinite(rss)) {
      this.max = Math.max(this.max, rss);
      this.samples++;
    }
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.max;
  }
}

export const mib = (bytes: number) => bytes / 1024 / 1024;

/** Request options for a JSON POST of `body` to `path` on `origin` over `agent`. */
export function jsonPostOptions(agent: http.Agent, origin: string, path: string, body: string, headers: Record<string, string> = {}): http.RequestOptions {
  const url = new URL(path, origin);
  return {
    agent,
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
  };
}
