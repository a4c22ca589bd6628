/**
 * A chart state as one short line, for messages and coverage tables:
 * `driver.idle oom.off device.inflateq.busy ...` (leaves only, in document order).
 */
import type { StateValue } from 'xstate';

export function formatStateValue(v: StateValue, prefix = ''): string {
  if (typeof v === 'string') return prefix ? `${prefix}.${v}` : v;
  return Object.entries(v)
    .filter(([, sub]) => sub !== undefined)
    .map(([k, sub]) => formatStateValue(sub as StateValue, prefix ? `${prefix}.${k}` : k))
    .join(' ');
}
