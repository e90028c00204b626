// Runs one autocannon job in a child process (see load-child.js) and returns its summary.
import { fork } from 'node:child_process';

const CHILD = new URL('./load-child.js', import.meta.url);

/**
 * POSTs checkout bodies of `itemsPerRequest` never-seen items to `url + path` for
 * `durationSeconds` (after `warmupSeconds` that are not counted), over `connections` keep-alive
 * connections, optionally limited to `overallRate` requests per second; with `paced: true`, sends
 * `overallRate` requests per second as an even stream instead (fetch, not autocannon).
 */
export function runLoad(job) {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let answer;
    child.once('message', (message) => {
      answer = message;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (answer?.summary) resolve(answer.summary);
      else
        reject(new Error(`load generator failed (exit ${code}): ${answer?.error ?? 'no answer'}`));
    });
    child.send({ warmupSeconds: 0, headers: {}, ...job });
  });
}
