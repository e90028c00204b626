import { describe, expect, it } from 'vitest';
import { checkAppInfo, checkDeviceInfo } from './app-device.js';

const FULL_APP_INFO = {
  app_id: '429047995',
  app_name: 'Acme Shop',
  app_package_name: 'com.acme.shop',
  app_store: 'app_store',
  app_version: '4.2.0',
  install_time: 1767225600,
  user_agent: 'AcmeShop/4.2.0 (iPhone; iOS 18.1)',
  window_height: 2532,
  window_width: 1170,
};

const FULL_DEVICE_INFO = {
  battery_level: 80,
  brand: 'Apple',
  carrier: 'Carrier',
  cpu_cores: 6,
  external_storage_free_space: 0,
  external_storage_size: 0,
  form_factor: 'cellphone',
  kernel_version: '24.1.0',
  languages: ['en', 'fr'],
  locale: 'en-US',
  model: 'iPhone15,2',
  network_type: 'cellular_5g',
  os_family: 'ios',
  os_name: 'iOS',
  os_release_name: 'Sequoia',
  os_version: '18.1',
  screen_density: 460,
  screen_height: 2532,
  screen_width: 1170,
  storage_free_space: 50000,
  storage_size: 128000,
  timezone: 'America/New_York',
  timezone_abbr: 'EST',
  type: 'phone',
};

function rulesOf(issues: readonly { path: string; rule: string }[]): string[] {
  return issues.map((found) => `${found.path} ${found.rule}`);
}

describe('checkAppInfo', () => {
  it('accepts every field within its bounds', () => {
    expect(checkAppInfo(FULL_APP_INFO, 'event.app_info')).toEqual([]);
  });

  it.each([
    ['window_width', 'range', 'above 30720', 30721],
    ['window_height', 'range', 'below 0', -1],
    ['install_time', 'range', 'below 0', -1],
    ['install_time', 'integer', 'fractional', 1.5],
    ['app_package_name', 'max_length', 'over 200 characters', 'p'.repeat(201)],
    ['app_version', 'max_length', 'over 100 characters', 'v'.repeat(101)],
    ['user_agent', 'max_length', 'over 16384 characters', 'u'.repeat(16385)],
    ['app_id', 'type', 'a number', 429047995],
  ])('rejects %s with rule %s when %s', (key, rule, _when, value) => {
    const issues = checkAppInfo({ ...FULL_APP_INFO, [key]: value }, 'event.app_info');

    expect(rulesOf(issues)).toEqual([`event.app_info.${key} ${rule}`]);
  });

  it('rejects unknown fields, since the schema closes app_info', () => {
    const issues = checkAppInfo({ bundle_id: 'com.acme' }, 'event.app_info');

    expect(rulesOf(issues)).toEqual(['event.app_info.bundle_id unknown_field']);
  });

  it('rejects app_info that is not an object', () => {
    expect(rulesOf(checkAppInfo('com.acme', 'event.app_info'))).toEqual(['event.app_info type']);
  });
});

describe('checkDeviceInfo', () => {
  it('accepts every field within its bounds', () => {
    expect(checkDeviceInfo(FULL_DEVICE_INFO, 'event.device_info')).toEqual([]);
  });

  it.each([
    ['battery_level', 'range', 'above 100', 101],
    ['cpu_cores', 'range', 'above 1152', 1153],
    ['storage_size', 'range', 'above 1048576', 1048577],
    ['screen_density', 'range', 'above 100000', 100001],
    ['form_factor', 'enum', 'outside the enum', 'phone'],
    ['network_type', 'enum', 'outside the enum', '5g'],
    ['os_family', 'enum', 'not lowercase', 'iOS'],
    ['timezone_abbr', 'max_length', 'over 5 characters', 'ABCDEF'],
    ['locale', 'max_length', 'over 35 characters', 'l'.repeat(36)],
    ['timezone', 'max_length', 'over 40 characters', 't'.repeat(41)],
    ['languages', 'type', 'a string', 'en'],
    ['languages', 'type', 'holding a number', [1]],
    ['languages', 'max_items', 'over 100 entries', Array.from({ length: 101 }, () => 'en')],
  ])('rejects %s with rule %s when %s', (key, rule, _when, value) => {
    const issues = checkDeviceInfo({ ...FULL_DEVICE_INFO, [key]: value }, 'event.device_info');

    expect(rulesOf(issues)).toEqual([`event.device_info.${key} ${rule}`]);
  });

  it('lists the allowed values of an enum', () => {
    const [found] = checkDeviceInfo({ os_family: 'iOS' }, 'event.device_info');

    expect(found?.message).toBe('must be one of: ios, android, macos, windows, linux, bsd, other');
  });

  it('rejects unknown fields, since the schema closes device_info', () => {
    const issues = checkDeviceInfo({ ram: 8 }, 'event.device_info');

    expect(rulesOf(issues)).toEqual(['event.device_info.ram unknown_field']);
  });
});
