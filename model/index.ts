/**
 * The model: statecharts of each protocol family, built with XState v5 (`setup()` plus named
 * guards and actions). Imports only core/ types and xstate; never impl/.
 */

export * as virtio from './virtio/index.ts';
export * as xen from './xen/index.ts';
export { formatStateValue } from './state-name.ts';
