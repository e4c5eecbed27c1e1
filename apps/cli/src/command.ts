import { readFile } from 'node:fs/promises';
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

export function optionalString(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A JSON file named by an option; an unreadable or malformed file is a usage error naming both. */
export async function readJson(path: string, option: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${option} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
