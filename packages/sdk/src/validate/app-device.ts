/**
 * @module validate/app-device
 * The structured `app_info` and `device_info` objects (spec 5.16+), with the bounds and enums the
 * published schema gives them.
 */

import type { ValidationIssue } from '../errors.js';
import { FORM_FACTORS, NETWORK_TYPES, OS_FAMILIES } from '../wire.js';
import { checkObjectFields, issue, isPlainObject } from './checks.js';
import type { ObjectSpec } from './checks.js';

const text = (maxLength: number) => ({ kind: 'string', maxLength }) as const;
const count = (max: number) => ({ kind: 'integer', min: 0, max }) as const;

/** Pixels; the schema caps windows and screens at 30720 (a 32K display). */
const MAX_PIXELS = 30720;
/** Megabytes; the schema caps storage at 1 TiB. */
const MAX_STORAGE_MB = 1048576;

const APP_INFO_SPEC: ObjectSpec = {
  app_id: text(200),
  app_name: text(200),
  app_package_name: text(200),
  app_store: text(100),
  app_version: text(100),
  install_time: { kind: 'integer', min: 0 },
  user_agent: text(16384),
  window_height: count(MAX_PIXELS),
  window_width: count(MAX_PIXELS),
};

const DEVICE_INFO_SPEC: ObjectSpec = {
  battery_level: count(100),
  brand: text(100),
  carrier: text(100),
  cpu_cores: count(1152),
  external_storage_free_space: count(MAX_STORAGE_MB),
  external_storage_size: count(MAX_STORAGE_MB),
  form_factor: { kind: 'enum', values: FORM_FACTORS },
  kernel_version: text(100),
  languages: { kind: 'string_array', maxItems: 100 },
  locale: text(35),
  model: text(100),
  network_type: { kind: 'enum', values: NETWORK_TYPES },
  os_family: { kind: 'enum', values: OS_FAMILIES },
  os_name: text(100),
  os_release_name: text(100),
  os_version: text(100),
  screen_density: count(100000),
  screen_height: count(MAX_PIXELS),
  screen_width: count(MAX_PIXELS),
  storage_free_space: count(MAX_STORAGE_MB),
  storage_size: count(MAX_STORAGE_MB),
  timezone: text(40),
  timezone_abbr: text(5),
  type: text(100),
};

/** Checks `app_info` at `path`. */
export function checkAppInfo(value: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(value)) return [issue(path, 'type', 'must be an object')];
  return checkObjectFields(value, APP_INFO_SPEC, { path, level: 'app_info' });
}

/** Checks `device_info` at `path`. */
export function checkDeviceInfo(value: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(value)) return [issue(path, 'type', 'must be an object')];
  return checkObjectFields(value, DEVICE_INFO_SPEC, { path, level: 'device_info' });
}
