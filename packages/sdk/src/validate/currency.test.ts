import { describe, expect, it } from 'vitest';
import { describeCurrencyProblem, isCurrencyCode } from './currency.js';

describe('isCurrencyCode', () => {
  it.each(['USD', 'EUR', 'GBP', 'JPY', 'KWD', 'XOF', 'XCG', 'ZWG', 'SLE'])('accepts %s', (code) => {
    expect(isCurrencyCode(code)).toBe(true);
  });

  it.each(['usd', 'US', 'USDT', 'XTS', 'XXX', 'XAU', 'XDR', 'USN', 'HRK', 'DEM', 'BTC'])(
    'rejects %s',
    (code) => {
      expect(isCurrencyCode(code)).toBe(false);
    },
  );
});

describe('describeCurrencyProblem', () => {
  it('asks for uppercase when the code is right but lowercase', () => {
    expect(describeCurrencyProblem('eur')).toMatch(/uppercase/);
  });

  it('says the code is not in circulation when it has the right shape', () => {
    expect(describeCurrencyProblem('DEM')).toMatch(/in circulation/);
  });

  it('asks for a code when given a symbol', () => {
    expect(describeCurrencyProblem('€')).toMatch(/not a symbol or a name/);
  });
});
