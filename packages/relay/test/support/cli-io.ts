import { PassThrough, Readable } from 'node:stream';

import type { CommandIo } from '../../src/cli/io.js';

export interface CapturedIo extends CommandIo {
  stdout: () => string;
  stderr: () => string;
}

/** A CommandIo whose output is collected in memory, for running commands in-process. */
export function captureIo(
  options: { env?: NodeJS.ProcessEnv; stdin?: string; tty?: boolean } = {},
): CapturedIo {
  const out = new PassThrough();
  const err = Object.assign(new PassThrough(), { isTTY: options.tty ?? false, columns: 100 });
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => outChunks.push(chunk));
  err.on('data', (chunk: Buffer) => errChunks.push(chunk));

  return {
    out,
    err,
    stdin: Readable.from([options.stdin ?? '']),
    env: options.env ?? {},
    cwd: process.cwd(),
    stdout: () => Buffer.concat(outChunks).toString('utf8'),
    stderr: () => Buffer.concat(errChunks).toString('utf8'),
  };
}
