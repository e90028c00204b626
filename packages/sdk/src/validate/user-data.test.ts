import { describe, expect, it } from 'vitest';
import { HASHED_USER_DATA_KEYS } from '../wire.js';
import { checkUserData } from './user-data.js';

const EM = '836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f';
const PH = '758fbf68945f21c416814c539ab578876c8d98fb69e6da692def92cd52417fe0';
const PATH = 'data[0].user_data';

function check(userData: unknown) {
  return checkUserData(userData, PATH);
}

describe('checkUserData', () => {
  it('accepts every hashed key as an array of digests', () => {
    const userData = Object.fromEntries(HASHED_USER_DATA_KEYS.map((key) => [key, [EM, PH]]));

    expect(check(userData)).toEqual([]);
  });

  it('accepts the raw keys as strings, click_id and partner_id as null', () => {
    const userData = {
      client_ip_address: '2001:db8::1',
      client_user_agent: 'Mozilla/5.0',
      click_id: null,
      partner_id: null,
    };

    expect(check(userData)).toEqual([]);
  });

  it('reports user_data that is not an object', () => {
    expect(check('buyer@example.com')).toEqual([
      { path: PATH, rule: 'type', message: 'must be an object' },
    ]);
  });

  it('requires a hashed key to be an array even for one value', () => {
    const [found] = check({ em: EM });

    expect(found).toMatchObject({ path: `${PATH}.em`, rule: 'type' });
    expect(found?.message).toMatch(/even for one value/);
  });

  it('reports a non-string entry of a hashed key as a type issue', () => {
    expect(check({ em: [EM], ph: [14155552671] })).toEqual([
      { path: `${PATH}.ph[0]`, rule: 'type', message: 'must be a string' },
    ]);
  });

  it.each([
    ['a plain email', 'john.doe@example.com', /plain email address/],
    ['an uppercase digest', EM.toUpperCase(), /uppercase/],
    ['an MD5 digest', '098f6bcd4621d373cade4e832627b4f6', /MD5/],
    ['a SHA-1 digest', 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', /SHA-1/],
    ['a raw IDFA', '6D92078A-8246-4BA4-AE5B-76104861E7DC', /raw device id/],
    ['a plain name', 'John', /looks unhashed/],
  ])('rejects %s with rule sha256_hex and a hint', (_what, value, hint) => {
    const issues = check({ em: [EM, value] });

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: `${PATH}.em[1]`, rule: 'sha256_hex' });
    expect(issues[0]?.message).toMatch(hint);
    expect(issues[0]?.message).not.toContain(value);
  });

  it('accepts hashed_maids alone as the identifier', () => {
    expect(check({ hashed_maids: [EM] })).toEqual([]);
  });

  it('accepts the IP address and user agent together as the identifier', () => {
    expect(check({ client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' })).toEqual(
      [],
    );
  });

  it('rejects user_data with neither em, hashed_maids nor IP and user agent', () => {
    const issues = check({ ph: [PH] });

    expect(issues).toEqual([expect.objectContaining({ path: PATH, rule: 'identifier' })]);
  });

  it('says which half is missing when only the IP address is given', () => {
    const [found] = check({ client_ip_address: '203.0.113.7' });

    expect(found?.rule).toBe('identifier');
    expect(found?.message).toMatch(/client_user_agent is missing/);
  });

  it('says which half is missing when only the user agent is given', () => {
    const [found] = check({ client_user_agent: 'Mozilla/5.0' });

    expect(found?.message).toMatch(/client_ip_address is missing/);
  });

  it('does not count an empty em array as an identifier', () => {
    expect(check({ em: [] })).toEqual([expect.objectContaining({ rule: 'identifier' })]);
  });

  it('rejects an IP address that is not one', () => {
    const issues = check({ em: [EM], client_ip_address: 'localhost' });

    expect(issues).toEqual([
      expect.objectContaining({ path: `${PATH}.client_ip_address`, rule: 'ip_address' }),
    ]);
  });

  it('recognises an X-Forwarded-For list', () => {
    const [found] = check({ em: [EM], client_ip_address: '203.0.113.7, 10.0.0.1' });

    expect(found?.message).toMatch(/X-Forwarded-For/);
  });

  it('rejects an empty user agent', () => {
    const issues = check({ em: [EM], client_user_agent: '' });

    expect(issues).toEqual([
      expect.objectContaining({ path: `${PATH}.client_user_agent`, rule: 'non_empty' }),
    ]);
  });

  it('rejects a click_id that is not a string', () => {
    const issues = check({ em: [EM], click_id: 12 });

    expect(issues).toEqual([expect.objectContaining({ path: `${PATH}.click_id`, rule: 'type' })]);
  });

  it('rejects an unknown key and points to the wire key', () => {
    const issues = check({ em: [EM], email: 'x' });

    expect(issues).toEqual([
      expect.objectContaining({
        path: `${PATH}.email`,
        rule: 'unknown_field',
        message: expect.stringMatching(/use em/) as string,
      }),
    ]);
  });

  it('warns that an unknown key may carry unhashed data', () => {
    const [found] = check({ em: [EM], loyalty_number: 'x' });

    expect(found?.message).toMatch(/unhashed personal data/);
  });
});
