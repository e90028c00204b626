/**
 * @module validate/currency
 * ISO 4217 codes of currencies in circulation. Fund codes (BOV, CLF, USN…), precious metals (XAU…),
 * drawing rights (XDR) and the testing codes (XTS, XXX) are left out: no purchase is priced in them,
 * so seeing one means a mapping bug. Codes still accepted during a changeover (ANG beside XCG, BGN,
 * SLL beside SLE, ZWL beside ZWG) stay in until their currency stops being used in payments.
 */

const CODES = `
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL`;

const CURRENCY_CODES: ReadonlySet<string> = new Set(CODES.trim().split(/\s+/));

/** True for an uppercase ISO 4217 code of a circulating currency, e.g. `USD`, `EUR`, `JPY`. */
export function isCurrencyCode(code: string): boolean {
  return CURRENCY_CODES.has(code);
}

/** Explains why `code` is not accepted, without assuming it is anything but a typo. */
export function describeCurrencyProblem(code: string): string {
  const upper = code.trim().toUpperCase();
  if (upper !== code && CURRENCY_CODES.has(upper)) {
    return 'must be an uppercase ISO 4217 code without spaces, e.g. "USD"';
  }

  if (/^[A-Za-z]{3}$/.test(code)) {
    return 'must be the ISO 4217 code of a currency in circulation, e.g. "USD"';
  }

  return 'must be a three-letter ISO 4217 code such as "USD", not a symbol or a name';
}
