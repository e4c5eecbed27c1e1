import type { Command, CommandIo } from './command';
import { CommandError, UsageError } from './command';
import { resolveCommand, runCli } from './main';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const sink: CommandIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  return { sink, out: () => out.join(''), err: () => err.join('') };
}

const calls: unknown[] = [];
const commands: Command[] = [
  { name: 'tax', summary: 'tax', usage: 'tax', options: {}, run: async () => void calls.push('tax') },
  {
    name: 'tax quote',
    summary: 'quote',
    usage: 'tax quote --request FILE',
    options: { request: { type: 'string' } },
    run: async (args) => {
      if (args.values.request === 'usage') throw new UsageError('bad request');
      if (args.values.request === 'fail') throw new CommandError('it failed');
      calls.push(args.values.request);
    },
  },
];

describe('mu CLI', () => {
  it('resolves the longest command and passes the rest as arguments', async () => {
    expect(resolveCommand(['tax', 'quote', '--request', 'r.json'], commands)?.cmd.name).toBe('tax quote');
    const o = io();
    expect(await runCli(['tax', 'quote', '--request', 'r.json'], o.sink, commands)).toBe(0);
    expect(calls).toContain('r.json');
  });

  it('exits 2 with usage on unknown commands and options', async () => {
    let o = io();
    expect(await runCli(['nope'], o.sink, commands)).toBe(2);
    expect(o.err()).toContain("unknown command 'nope'");
    o = io();
    expect(await runCli(['tax', 'quote', '--bogus'], o.sink, commands)).toBe(2);
    expect(o.err()).toMatch(/Unknown option '--bogus'[\s\S]*usage: mu tax quote --request FILE/);
  });

  it('maps usage errors to 2 and command failures to 1, on stderr', async () => {
    let o = io();
    expect(await runCli(['tax', 'quote', '--request', 'usage'], o.sink, commands)).toBe(2);
    expect(o.err()).toBe('mu tax quote: bad request\n');
    o = io();
    expect(await runCli(['tax', 'quote', '--request', 'fail'], o.sink, commands)).toBe(1);
    expect(o.err()).toBe('mu tax quote: it failed\n');
    expect(o.out()).toBe('');
  });

  it('prints help listing every command', async () => {
    const o = io();
    expect(await runCli(['--help'], o.sink)).toBe(0);
    expect(o.out()).toContain('migrate');
    expect(o.out()).toContain('streams provision');
  });
});
