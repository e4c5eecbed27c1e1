import { readFileSync } from 'node:fs';
import { CommandError, UsageError, type ParsedArgs } from '../command';

/** Where the API is and who is calling: MU_API_URL (default http://127.0.0.1:3000) and MU_API_KEY. */
export function apiTarget(env: NodeJS.ProcessEnv = process.env): { url: string; key: string } {
  const key = env.MU_API_KEY;
  if (!key)
    throw new UsageError(
      'MU_API_KEY is not set: export the API key of your tenant (mu tenant create prints one)',
    );
  return { url: (env.MU_API_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, ''), key };
}

/** `--data '{"a":1}'` or `--data @file.json`. */
export function readData(args: ParsedArgs): unknown {
  const raw = args.values.data;
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw new UsageError('--data takes JSON or @file');
  const text = raw.startsWith('@') ? readFile(raw.slice(1)) : raw;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--data is not valid JSON: ${(err as Error).message}`);
  }
}

function readFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** One API call; a non-2xx answer becomes a CommandError with the API's code and field details. */
export async function callApi(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<unknown> {
  const { url, key } = apiTarget();
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CommandError(`cannot reach the Mu API at ${url}: ${(err as Error).message}`);
  }
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const e = (
      parsed as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } }
    )?.error;
    const details = (e?.details ?? []).map((d) => `\n  ${d.path}: ${d.message}`).join('');
    throw new CommandError(`${res.status} ${e?.code ?? 'ERROR'}: ${e?.message ?? text}${details}`);
  }
  return parsed;
}
