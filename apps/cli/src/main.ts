import { CommandError, parseCommandArgs, UsageError, type Command, type CommandIo } from './command';
import { COMMANDS } from './registry';

function help(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: mu <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Find the command whose words start argv (the longest match), and the arguments after it. */
export function resolveCommand(
  argv: string[],
  commands: Command[] = COMMANDS,
): { cmd: Command; rest: string[] } | undefined {
  let best: { cmd: Command; rest: string[] } | undefined;
  for (const cmd of commands) {
    const words = cmd.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.cmd.name.split(' ').length)) {
      best = { cmd, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function runCli(argv: string[], io: CommandIo, commands: Command[] = COMMANDS): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(help(commands) + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const found = resolveCommand(argv, commands);
  if (!found) {
    io.err(`mu: unknown command '${argv.join(' ')}'\n${help(commands)}\n`);
    return 2;
  }
  if (found.rest.includes('--help')) {
    io.out(`usage: mu ${found.cmd.usage}\n`);
    return 0;
  }
  try {
    await found.cmd.run(parseCommandArgs(found.cmd, found.rest), io);
    return 0;
  } catch (err) {
    // @mu/platform's ConfigError, known by name: importing the class would load the platform
    // (~0.8 s) for every command, including those that never touch it.
    if (err instanceof Error && err.name === 'ConfigError') {
      io.err(`${err.message}\n`);
      return 1;
    }
    if (err instanceof UsageError || err instanceof CommandError) {
      io.err(`mu ${found.cmd.name}: ${err.message}\n`);
      return err.exitCode;
    }
    io.err(`mu ${found.cmd.name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

/** Entry point used by bin/mu.js. */
export function cliMain(argv: string[] = process.argv.slice(2)): void {
  const io: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  void runCli(argv, io).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) cliMain();
