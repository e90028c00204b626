import { describe, expect, it } from 'vitest';
import { answerDeadline, describeNetworkError, linkSignals } from './network.js';

describe('linkSignals', () => {
  it('returns the timeout signal itself when there is no caller signal', () => {
    const timeout = new AbortController().signal;

    expect(linkSignals(timeout, undefined).signal).toBe(timeout);
  });

  it('aborts when either source aborts, with that source reason', () => {
    const timeout = new AbortController();
    const caller = new AbortController();
    const linked = linkSignals(timeout.signal, caller.signal);

    caller.abort('stop');

    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('stop');
  });

  it('starts aborted when a source already is', () => {
    const linked = linkSignals(AbortSignal.abort('late'), new AbortController().signal);

    expect(linked.signal.reason).toBe('late');
  });

  it('stops following its sources once disposed', () => {
    const timeout = new AbortController();
    const caller = new AbortController();
    const linked = linkSignals(timeout.signal, caller.signal);

    linked.dispose();
    caller.abort();

    expect(linked.signal.aborted).toBe(false);
  });
});

describe('answerDeadline', () => {
  it('aborts with a TimeoutError once the time is up', async () => {
    const deadline = answerDeadline(20);

    await new Promise((resolve) => {
      deadline.signal.addEventListener('abort', resolve);
    });

    expect(deadline.signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('never aborts once cleared', async () => {
    const deadline = answerDeadline(5);

    deadline.clear();
    await new Promise((resolve) => setTimeout(resolve, 30));

    expect(deadline.signal.aborted).toBe(false);
  });
});

describe('describeNetworkError', () => {
  it('names the cause code and treats a refused connection as never sent', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });

    expect(describeNetworkError(error)).toEqual({
      text: 'connect ECONNREFUSED 127.0.0.1:1',
      maybeDelivered: false,
    });
  });

  it('treats a socket closed by the other side as possibly delivered', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });

    const detail = describeNetworkError(new TypeError('fetch failed', { cause }));

    expect(detail).toEqual({ text: 'UND_ERR_SOCKET other side closed', maybeDelivered: true });
  });
});
