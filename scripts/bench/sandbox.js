// Starts and stops a sandbox child process, and reads its inspection API.
import { fork } from 'node:child_process';
import { once } from 'node:events';

const CHILD = new URL('./sandbox-child.js', import.meta.url);

/**
 * A sandbox in its own process. The default store of 1,000,000 recorded events is lowered: what
 * the sandbox keeps is no part of what the relay costs, and a smaller heap keeps it from slowing
 * down as a backlog drains.
 */
export async function startSandboxProcess(config = { maxStoredEvents: 20_000 }) {
  const child = fork(CHILD, [JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [address] = await once(child, 'message');
  const json = async (path, init) => {
    const response = await fetch(`${address.url}${path}`, init);
    if (!response.ok) throw new Error(`sandbox ${path} answered ${response.status}`);
    return response.json();
  };

  return {
    url: address.url,
    apiBaseUrl: address.apiBaseUrl,
    pid: child.pid,
    calls: async () => (await json('/__sandbox/calls')).calls,
    reset: () => json('/__sandbox/reset', { method: 'POST' }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}
