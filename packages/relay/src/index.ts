/**
 * @module @pinterest-capi/relay
 * The relay service and the `pinterest-capi` command.
 */
export { main } from './cli/run.js';
