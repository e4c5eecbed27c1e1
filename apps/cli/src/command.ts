import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A wrong invocation or bad input: printed to stderr without a stack, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The command ran and failed: printed to stderr, exit code 1 unless it says otherwise. */
export class CommandError extends Error {
  /** 1 by default; a command may use another code (e.g. 3 for "done, with refused rows"). */
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  /** Words after `mu`, e.g. `tax quote`. */
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: CommandIo): Promise<void>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: cmd.options,
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: mu ${cmd.usage}`);
  }
}

export function requiredString(args: ParsedArgs, name: string, cmd: Command): string {
  const v = args.values[name];
  if (typeof v !== 'string' || v === '')
    throw new UsageError(`--${name} is required\nusage: mu ${cmd.usage}`);
  return v;
}
