/**
 * `--family NAME`: which protocol families a command works on, from the one list
 * (properties/families.ts). Commands that can work on several (check, list) default to every
 * family; the others to the first registered one.
 */
import { Option, type Command } from 'commander';
import { FAMILIES, familyByName, type AnyFamily } from '../properties/index.ts';
import { UsageError } from './errors.ts';
import { repeatable } from './impl-flags.ts';

const known = () => FAMILIES.map((f) => f.name).join(', ');

/** Add `--family`; repeatable where a command can run several families. */
export function addFamilyOption(cmd: Command, several: boolean): Command {
  if (several) {
    return cmd.addOption(new Option('--family <name>', `protocol family, repeatable (${known()}; default: every family)`).argParser(repeatable).default([]));
  }
  return cmd.option('--family <name>', `protocol family (${known()})`, FAMILIES[0].name);
}

/** The families named by `--family` (each once, in the order named), or every family when none is. */
export function familiesFlag(names: string | readonly string[] | undefined): AnyFamily[] {
  const list = names === undefined ? [] : typeof names === 'string' ? [names] : names;
  if (list.length === 0) return [...FAMILIES];
  return [...new Set(list)].map((n) => {
    try { return familyByName(n); } catch {
      throw new UsageError(`--family: unknown family ${JSON.stringify(n)} (known: ${known()})`);
    }
  });
}

/** The one family named by `--family`. */
export const familyFlag = (name: string | undefined): AnyFamily => familiesFlag(name ?? FAMILIES[0].name)[0];
