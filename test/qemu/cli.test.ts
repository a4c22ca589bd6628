// `balloon qemu` refuses a variant it does not know, or one that contradicts --deflate-on-oom,
// with one line and exit 2, before any VM is started (no QEMU needed).
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();

describe('balloon qemu --variant', () => {
  it.each([
    [['qemu', '--variant', 'nope'], /^balloon: --variant: unknown variant 'nope' \(known: plain, deflate-on-oom, free-page-reporting, page-poison\)\n$/],
    [['qemu', '--variant', 'page-poison', '--deflate-on-oom'], /^balloon: --deflate-on-oom contradicts --variant page-poison\n$/],
  ])('%j is unusable input: one line, exit 2', async (argv, msg) => {
    expect(await main(argv)).toBe(2);
    expect(io.err).toMatch(msg);
    expect(io.out).toBe('');
  });
});
