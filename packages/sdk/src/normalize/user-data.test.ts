import { describe, expect, it } from 'vitest';
import { NormalizationError, ValidationError } from '../errors.js';
import type { ValidationIssue } from '../errors.js';
import type { HashedUserDataKey } from '../wire.js';
import { sha256Hex } from './hash.js';
import { hashUserData, normalizeUserDataValue } from './user-data.js';
import type { RawUserData } from './user-data.js';

const EMAIL = 'Jane.Roe@Example.com';
const EMAIL_HASH = sha256Hex('jane.roe@example.com');
const PHONE_HASH = sha256Hex('14155552671');

function validationError(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }

  throw new Error('expected a ValidationError');
}

function pathsAndRules(issues: readonly ValidationIssue[]): string[] {
  return issues.map((found) => `${found.path} ${found.rule}`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }

  return value;
}

describe('hashUserData', () => {
  it('hashes every hashed key and copies the raw keys', () => {
    const raw: RawUserData = {
      em: EMAIL,
      ph: '+1 (415) 555-2671',
      fn: 'Jane',
      ln: 'Roe',
      ge: 'female',
      db: '1990-01-31',
      ct: 'San Francisco',
      st: 'California',
      zp: '94107-1234',
      country: 'United States',
      external_id: 'user-8812',
      hashed_maids: '6D92078A-8246-4BA4-AE5B-76104861E7DC',
      client_ip_address: ' 203.0.113.7 ',
      client_user_agent: 'Mozilla/5.0',
      click_id: 'dj0yJnU9abc',
      partner_id: 'ramp-1',
    };

    const wire = hashUserData(raw);

    expect(wire).toEqual({
      em: [EMAIL_HASH],
      ph: [PHONE_HASH],
      fn: [sha256Hex('jane')],
      ln: [sha256Hex('roe')],
      ge: [sha256Hex('f')],
      db: [sha256Hex('19900131')],
      ct: [sha256Hex('sanfrancisco')],
      st: [sha256Hex('ca')],
      zp: [sha256Hex('94107')],
      country: [sha256Hex('us')],
      external_id: [sha256Hex('user-8812')],
      hashed_maids: [sha256Hex('6d92078a-8246-4ba4-ae5b-76104861e7dc')],
      client_ip_address: '203.0.113.7',
      client_user_agent: 'Mozilla/5.0',
      click_id: 'dj0yJnU9abc',
      partner_id: 'ramp-1',
    });
  });

  it('hashes a single value and a one-item list alike', () => {
    expect(hashUserData({ em: EMAIL })).toEqual(hashUserData({ em: [EMAIL] }));
  });

  it('keeps an uppercase digest lowercased and never hashes it again', () => {
    const wire = hashUserData({ em: ` ${EMAIL_HASH.toUpperCase()} `, external_id: EMAIL_HASH });

    expect(wire.em).toEqual([EMAIL_HASH]);
    expect(wire.external_id).toEqual([EMAIL_HASH]);
  });

  it('drops duplicates in first-seen order, across raw and prehashed values', () => {
    const other = sha256Hex('b@example.com');

    const wire = hashUserData({
      em: ['B@example.com', EMAIL, ' b@EXAMPLE.com ', EMAIL_HASH.toUpperCase(), EMAIL],
    });

    expect(wire.em).toEqual([other, EMAIL_HASH]);
  });

  it('drops phone spellings of one number to one hash', () => {
    const wire = hashUserData(
      { ph: ['+1 (415) 555-2671', '4155552671', 14155552671, '001 415 555 2671'] },
      { defaultCountry: 'US' },
    );

    expect(wire.ph).toEqual([PHONE_HASH]);
  });

  it('skips blank values and omits a key left without values', () => {
    const wire = hashUserData({
      em: [' ', null, undefined, EMAIL, ''],
      fn: '   ',
      ln: null,
      ct: [],
      client_user_agent: '  ',
    });

    expect(wire).toEqual({ em: [EMAIL_HASH] });
  });

  it('gives the NFC and NFD spellings of a name one hash', () => {
    const wire = hashUserData({ fn: ['\u00c9lodie', 'E\u0301lodie'] });

    expect(wire.fn).toEqual([sha256Hex('\u00e9lodie')]);
  });

  it('reads numbers for ph and zp and Dates for db', () => {
    const wire = hashUserData(
      { ph: 4155552671, zp: 94107, db: new Date('1990-01-31') },
      { defaultCountry: 'us' },
    );

    expect(wire).toEqual({
      ph: [PHONE_HASH],
      zp: [sha256Hex('94107')],
      db: [sha256Hex('19900131')],
    });
  });

  it('applies dateOrder to ambiguous slash dates', () => {
    const wire = hashUserData({ db: '02/01/1990' }, { dateOrder: 'dmy' });

    expect(wire.db).toEqual([sha256Hex('19900102')]);
  });

  it('keeps null for click_id and partner_id and skips it for the other raw keys', () => {
    const raw = {
      click_id: null,
      partner_id: null,
      client_ip_address: null,
    } as unknown as RawUserData;

    expect(hashUserData(raw)).toEqual({ click_id: null, partner_id: null });
  });

  it('reports an unknown key instead of dropping it, with a hint', () => {
    const raw = { em: EMAIL, email: EMAIL, favourite_colour: 'red' } as unknown as RawUserData;

    const error = validationError(() => hashUserData(raw));

    expect(error.code).toBe('CAPI_ERR_VALIDATION');
    expect(pathsAndRules(error.issues)).toEqual([
      'user_data.email unknown_field',
      'user_data.favourite_colour unknown_field',
    ]);
    expect(error.issues[0]?.message).toContain('use em');
  });

  it.each([
    ['firstName', 'fn'],
    ['Date-Of-Birth', 'db'],
    ['ip_address', 'client_ip_address'],
    ['externalId', 'external_id'],
  ])('points the unknown key %j to %j', (key, wireKey) => {
    const error = validationError(() => hashUserData({ [key]: 'x' }));

    expect(error.issues[0]?.message).toBe(`is not a user_data field; use ${wireKey}`);
  });

  it('collects every failure across keys with indexed paths', () => {
    const raw: RawUserData = {
      em: ['ok@example.com', 'not-an-email'],
      ph: ['+1 (415) 555-2671', '415 555 2671', '+1 415 555 267'],
      ge: 'unknown',
      db: '1990-02-30',
      country: 'Atlantis',
    };

    const error = validationError(() => hashUserData(raw));

    expect(pathsAndRules(error.issues)).toEqual([
      'user_data.em[1] email_format',
      'user_data.ph[1] phone_country',
      'user_data.ph[2] phone_invalid',
      'user_data.ge gender_value',
      'user_data.db date_invalid',
      'user_data.country country_value',
    ]);
    expect(error.message).toMatch(/^invalid user_data: user_data\.em\[1\]: .* \(and 5 more\)$/);
  });

  it('words issue messages without repeating the key prefix', () => {
    const error = validationError(() => hashUserData({ em: 'nope' }));

    expect(error.issues[0]?.message).toBe('must be an email address like name@example.com');
  });

  it('reports values of the wrong type as type', () => {
    const raw = {
      em: 42,
      fn: ['Jane', { first: 'Jane' }],
      ph: true,
      db: 19900131,
      zp: [['94107']],
      client_user_agent: 5,
      click_id: false,
    } as unknown as RawUserData;

    const error = validationError(() => hashUserData(raw));

    expect(pathsAndRules(error.issues)).toEqual([
      'user_data.em type',
      'user_data.fn[1] type',
      'user_data.ph type',
      'user_data.db type',
      'user_data.zp[0] type',
      'user_data.client_user_agent type',
      'user_data.click_id type',
    ]);
  });

  it.each([null, 'em', [{ em: EMAIL }]])('rejects the non-object user_data %j', (raw) => {
    const error = validationError(() => hashUserData(raw as unknown as RawUserData));

    expect(pathsAndRules(error.issues)).toEqual(['user_data type']);
    expect(error.message).toBe('invalid user_data: user_data: must be an object');
  });

  it('rejects an unsupported defaultCountry even when no phone needs it', () => {
    const error = validationError(() => hashUserData({ em: EMAIL }, { defaultCountry: 'XX' }));

    expect(pathsAndRules(error.issues)).toEqual(['options.defaultCountry option_value']);
  });

  it('rejects a defaultCountry that is not a string', () => {
    const options = { defaultCountry: 1 } as unknown as { defaultCountry: string };

    const error = validationError(() => hashUserData({ em: EMAIL }, options));

    expect(pathsAndRules(error.issues)).toEqual(['options.defaultCountry option_value']);
  });

  it('rejects an unknown dateOrder', () => {
    const options = { dateOrder: 'ymd' } as unknown as { dateOrder: 'mdy' };

    const error = validationError(() => hashUserData({ em: EMAIL }, options));

    expect(pathsAndRules(error.issues)).toEqual(['options.dateOrder option_value']);
  });

  it('never modifies the caller object, even deeply frozen', () => {
    const raw = deepFreeze({
      em: [EMAIL, ` ${EMAIL_HASH.toUpperCase()} `],
      ph: ['+1 (415) 555-2671'],
      db: [new Date('1990-01-31')],
      client_ip_address: ' 203.0.113.7 ',
    });
    const before = structuredClone(raw);

    const wire = hashUserData(raw);
    wire.em?.push('extra');

    expect(raw).toEqual(before);
    expect(raw.em).toHaveLength(2);
  });

  it('keeps emails and phone numbers out of the error message and issues', () => {
    const email = 'private.person@nowhere';
    const phone = '415 555 0199';
    const raw = { em: [email], ph: phone, fn: ['Jane', 7] } as unknown as RawUserData;

    const error = validationError(() => hashUserData(raw));
    const text = `${error.message} ${JSON.stringify(error.issues)}`;

    expect(error.issues).toHaveLength(3);
    expect(text).not.toContain(email);
    expect(text).not.toContain('private');
    expect(text).not.toContain(phone);
    expect(text).not.toMatch(/555|0199/);
    expect(text).not.toContain('Jane');
  });

  it('reports an object as type without converting it to a string', () => {
    let converted = false;
    const sneaky = {
      toString() {
        converted = true;
        return 'a@example.com';
      },
    };

    const error = validationError(() => hashUserData({ em: [sneaky] } as unknown as RawUserData));

    expect(pathsAndRules(error.issues)).toEqual(['user_data.em[0] type']);
    expect(converted).toBe(false);
  });
});

describe('normalizeUserDataValue', () => {
  it.each([
    ['em', '  John.Doe@Example.COM ', 'john.doe@example.com'],
    ['ph', '+44 (0)20 7946 0958', '442079460958'],
    ['fn', ' Mary  Ann ', 'mary ann'],
    ['ge', 'Non-binary', 'n'],
    ['db', '31.01.1990', '19900131'],
    ['ct', 'Saint-\u00c9tienne', 'saint\u00e9tienne'],
    ['st', 'new york', 'ny'],
    ['zp', 'K1A 0B6', 'k1a0b6'],
    ['country', 'Great Britain', 'gb'],
    ['external_id', ' AbC-1 ', 'AbC-1'],
    ['hashed_maids', 'ABC-DEF', 'abc-def'],
  ] as const)('normalizes %s %j to %j without hashing', (key, raw, expected) => {
    expect(normalizeUserDataValue(key, raw)).toBe(expected);
  });

  it('passes options to the rules', () => {
    expect(normalizeUserDataValue('ph', 4155552671, { defaultCountry: 'US' })).toBe('14155552671');
    expect(normalizeUserDataValue('db', '02/01/1990', { dateOrder: 'dmy' })).toBe('19900102');
  });

  it('throws the rule failure as a NormalizationError', () => {
    expect(() => normalizeUserDataValue('ph', '415 555 2671')).toThrow(
      expect.objectContaining({
        name: 'NormalizationError',
        code: 'CAPI_ERR_NORMALIZE_PHONE',
        field: 'ph',
        rule: 'phone_country',
      }),
    );
  });

  it.each([
    ['em', 42, 'type'],
    ['db', {}, 'type'],
    ['zp', true, 'type'],
    ['em', null, 'empty'],
    ['fn', undefined, 'empty'],
  ] as const)('rejects %s %j as %s', (key, raw, rule) => {
    expect(() => normalizeUserDataValue(key, raw)).toThrow(
      expect.objectContaining({ field: key, rule }),
    );
  });

  it('rejects a key that is not a hashed user_data key', () => {
    const key = 'client_ip_address' as HashedUserDataKey;

    expect(() => normalizeUserDataValue(key, '203.0.113.7')).toThrow(NormalizationError);
    expect(() => normalizeUserDataValue(key, '203.0.113.7')).toThrow(
      expect.objectContaining({ rule: 'unknown_field' }),
    );
  });

  it('validates the options', () => {
    expect(() => normalizeUserDataValue('em', 'a@b.co', { defaultCountry: 'Narnia' })).toThrow(
      ValidationError,
    );
  });
});
