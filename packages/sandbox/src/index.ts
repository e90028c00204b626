/**
 * @module @pinterest-capi/sandbox
 * A strict local stand-in for Pinterest's v5 API: conversion events, OAuth, ad accounts,
 * conversion tags and Event Quality Score, with rate limits, injectable faults and an inspection
 * API under `/__sandbox/`. It shares no code with the SDK, so it checks the SDK independently.
 */

export {
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_TAG_ID,
  DEFAULT_CONVERSION_TOKEN,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
} from './constants.js';
export { loadSandboxConfig } from './config.js';
export type {
  SandboxConfig,
  SandboxAdAccount,
  SandboxTag,
  SandboxToken,
  SandboxOAuthClient,
} from './config.js';
export { buildSandbox, startSandbox } from './server.js';
export type { BuildSandboxOptions, StartSandboxOptions, RunningSandbox } from './server.js';
export type { FaultSpec } from './state/faults.js';
export type { RecordedEvent, RecordedCall } from './state/recorder.js';
