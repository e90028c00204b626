import { describe, expect, it } from 'vitest';
import { checkCustomData } from './custom-data.js';

const PATH = 'data[3].custom_data';

function rulesAt(customData: unknown, path: string): string[] {
  return checkCustomData(customData, PATH)
    .filter((found) => found.path === `${PATH}${path}`)
    .map((found) => found.rule);
}

describe('checkCustomData', () => {
  it('accepts every field of the schema', () => {
    const customData = {
      value: '72.39',
      currency: 'EUR',
      content_ids: ['sku-1'],
      contents: [
        {
          id: 'sku-1',
          item_price: '14.99',
          quantity: 2,
          item_name: 'Mug',
          item_category: 'Kitchen',
          item_brand: 'Acme',
        },
      ],
      num_items: 2,
      order_id: '1001',
      content_name: 'Mug',
      content_category: 'Kitchen',
      content_brand: 'Acme',
      search_string: 'mug',
      opt_out_type: 'LDP',
      predicted_ltv: '250',
      np: 'ss-acme',
      external_measurement_id: 'm-1',
      external_measurement_vendor_id: 7,
    };

    expect(checkCustomData(customData, PATH)).toEqual([]);
  });

  it('accepts null where the schema allows it', () => {
    const customData = { value: null, currency: null, predicted_ltv: null, order_id: null };

    expect(checkCustomData(customData, PATH)).toEqual([]);
  });

  it('reports custom_data that is not an object', () => {
    expect(rulesAt([], '')).toEqual(['type']);
  });

  it('rejects a numeric value and says a string is needed', () => {
    const [found] = checkCustomData({ value: 19.99 }, PATH);

    expect(found).toMatchObject({ path: `${PATH}.value`, rule: 'decimal_string' });
    expect(found?.message).toMatch(/not a number/);
  });

  it.each(['1,000.00', '$10', '+5', '1e3', ''])('rejects the value "%s"', (value) => {
    expect(rulesAt({ value }, '.value')).toEqual(['decimal_string']);
  });

  it('rejects a negative value', () => {
    expect(rulesAt({ value: '-10' }, '.value')).toEqual(['decimal_negative']);
  });

  it('checks predicted_ltv like value', () => {
    expect(rulesAt({ predicted_ltv: 250 }, '.predicted_ltv')).toEqual(['decimal_string']);
  });

  it.each([
    ['usd', /uppercase/],
    [' USD', /uppercase/],
    ['XTS', /in circulation/],
    ['ABC', /in circulation/],
    ['$', /three-letter/],
    ['dollars', /three-letter/],
  ])('rejects the currency "%s" with rule currency', (currency, hint) => {
    const [found] = checkCustomData({ currency }, PATH);

    expect(found).toMatchObject({ path: `${PATH}.currency`, rule: 'currency' });
    expect(found?.message).toMatch(hint);
  });

  it('rejects a currency that is not a string', () => {
    expect(rulesAt({ currency: 840 }, '.currency')).toEqual(['type']);
  });

  it.each([
    [-1, 'range'],
    [1.5, 'integer'],
    ['3', 'type'],
  ])('rejects num_items %j with rule %s', (numItems, rule) => {
    expect(rulesAt({ num_items: numItems }, '.num_items')).toEqual([rule]);
  });

  it('rejects content_ids that are not an array of strings', () => {
    expect(rulesAt({ content_ids: 'sku-1' }, '.content_ids')).toEqual(['type']);
    expect(rulesAt({ content_ids: [1] }, '.content_ids')).toEqual(['type']);
  });

  it('rejects contents that are not an array of objects', () => {
    expect(rulesAt({ contents: {} }, '.contents')).toEqual(['type']);
    expect(rulesAt({ contents: ['sku-1'] }, '.contents[0]')).toEqual(['type']);
  });

  it('rejects a numeric item_price at its index', () => {
    const customData = {
      contents: [
        { id: 'a', item_price: '1' },
        { id: 'b', item_price: 2.5 },
      ],
    };

    expect(rulesAt(customData, '.contents[1].item_price')).toEqual(['decimal_string']);
  });

  it('rejects a null item_price, which the schema does not allow', () => {
    expect(rulesAt({ contents: [{ item_price: null }] }, '.contents[0].item_price')).toEqual([
      'decimal_string',
    ]);
  });

  it('rejects a negative or fractional quantity', () => {
    expect(rulesAt({ contents: [{ quantity: -1 }] }, '.contents[0].quantity')).toEqual(['range']);
    expect(rulesAt({ contents: [{ quantity: 0.5 }] }, '.contents[0].quantity')).toEqual([
      'integer',
    ]);
  });

  it.each([
    ['order_quantity', /num_items/],
    ['line_items', /contents/],
    ['total', /use value/],
  ])('rejects %s in custom_data with a hint', (key, hint) => {
    const [found] = checkCustomData({ [key]: 1 }, PATH);

    expect(found).toMatchObject({ path: `${PATH}.${key}`, rule: 'unknown_field' });
    expect(found?.message).toMatch(hint);
  });

  it.each([
    ['product_id', /uses id/],
    ['product_price', /uses item_price/],
    ['product_quantity', /uses quantity/],
    ['product_name', /uses item_name/],
  ])("rejects the Tag's %s in contents and names the API field", (key, hint) => {
    const [found] = checkCustomData({ contents: [{ [key]: 'x' }] }, PATH);

    expect(found).toMatchObject({ path: `${PATH}.contents[0].${key}`, rule: 'unknown_field' });
    expect(found?.message).toMatch(hint);
  });

  it('rejects external_measurement_vendor_id given as a string', () => {
    expect(
      rulesAt({ external_measurement_vendor_id: '7' }, '.external_measurement_vendor_id'),
    ).toEqual(['type']);
  });
});
