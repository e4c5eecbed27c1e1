import { UsageError, type Command } from '../command';
import { callApi, readData } from './api-client';

/**
 * Thin clients of the REST API for the everyday operations. Each prints the API's JSON
 * answer; a refusal prints the API's error code and every bad field, and exits 1.
 */
interface Verb {
  words: string;
  summary: string;
  /** Positional arguments, in order. */
  args: string[];
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: (a: string[]) => string;
  body?: 'data' | 'optional-data';
  query?: string[];
}

const VERBS: Verb[] = [
  {
    words: 'customers list',
    summary: 'list customers',
    args: [],
    method: 'GET',
    path: () => '/v1/customers',
    query: ['limit', 'cursor', 'external-key', 'subject-key'],
  },
  {
    words: 'customers get',
    summary: 'show a customer',
    args: ['id'],
    method: 'GET',
    path: ([id]) => `/v1/customers/${id}`,
  },
  {
    words: 'customers create',
    summary: 'create a customer (--data JSON|@file)',
    args: [],
    method: 'POST',
    path: () => '/v1/customers',
    body: 'data',
  },
  {
    words: 'customers update',
    summary: 'update a customer (--data JSON|@file)',
    args: ['id'],
    method: 'PATCH',
    path: ([id]) => `/v1/customers/${id}`,
    body: 'data',
  },
  {
    words: 'customers archive',
    summary: 'archive a customer',
    args: ['id'],
    method: 'DELETE',
    path: ([id]) => `/v1/customers/${id}`,
  },
  {
    words: 'meters list',
    summary: 'list meters',
    args: [],
    method: 'GET',
    path: () => '/v1/meters',
    query: ['limit', 'cursor'],
  },
  {
    words: 'meters get',
    summary: 'show a meter (id or key)',
    args: ['meter'],
    method: 'GET',
    path: ([m]) => `/v1/meters/${m}`,
  },
  {
    words: 'meters create',
    summary: 'create a meter (--data JSON|@file)',
    args: [],
    method: 'POST',
    path: () => '/v1/meters',
    body: 'data',
  },
  {
    words: 'meters archive',
    summary: 'archive a meter',
    args: ['meter'],
    method: 'DELETE',
    path: ([m]) => `/v1/meters/${m}`,
  },
  {
    words: 'plans list',
    summary: 'list plans',
    args: [],
    method: 'GET',
    path: () => '/v1/plans',
    query: ['limit', 'cursor'],
  },
  {
    words: 'plans get',
    summary: 'show a plan and its versions',
    args: ['plan'],
    method: 'GET',
    path: ([p]) => `/v1/plans/${p}`,
  },
  {
    words: 'plans create',
    summary: 'create a plan (--data JSON|@file)',
    args: [],
    method: 'POST',
    path: () => '/v1/plans',
    body: 'data',
  },
  {
    words: 'plans version create',
    summary: 'add a draft version (--data JSON|@file)',
    args: ['plan'],
    method: 'POST',
    path: ([p]) => `/v1/plans/${p}/versions`,
    body: 'data',
  },
  {
    words: 'plans version publish',
    summary: 'publish a draft version',
    args: ['plan', 'version'],
    method: 'POST',
    path: ([p, v]) => `/v1/plans/${p}/versions/${v}/publish`,
  },
  {
    words: 'plans version archive',
    summary: 'archive a published version',
    args: ['plan', 'version'],
    method: 'POST',
    path: ([p, v]) => `/v1/plans/${p}/versions/${v}/archive`,
  },
  {
    words: 'subscriptions list',
    summary: 'list subscriptions',
    args: [],
    method: 'GET',
    path: () => '/v1/subscriptions',
    query: ['limit', 'cursor', 'customer-id', 'status'],
  },
  {
    words: 'subscriptions get',
    summary: 'show a subscription',
    args: ['id'],
    method: 'GET',
    path: ([id]) => `/v1/subscriptions/${id}`,
  },
  {
    words: 'subscriptions create',
    summary: 'subscribe a customer (--data JSON|@file)',
    args: [],
    method: 'POST',
    path: () => '/v1/subscriptions',
    body: 'data',
  },
  {
    words: 'subscriptions periods',
    summary: 'billing periods (--at, or --from and --to)',
    args: ['id'],
    method: 'GET',
    path: ([id]) => `/v1/subscriptions/${id}/periods`,
    query: ['at', 'from', 'to'],
  },
  {
    words: 'subscriptions cancel',
    summary: 'cancel (--data \'{"at":"now"}\' for at once)',
    args: ['id'],
    method: 'POST',
    path: ([id]) => `/v1/subscriptions/${id}/cancel`,
    body: 'optional-data',
  },
  {
    words: 'subscriptions change-plan',
    summary: 'change plan (--data JSON|@file)',
    args: ['id'],
    method: 'POST',
    path: ([id]) => `/v1/subscriptions/${id}/change-plan`,
    body: 'data',
  },
];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function toCommand(v: Verb): Command {
  const usage = [
    v.words,
    ...v.args.map((a) => `<${a}>`),
    ...(v.body === 'data' ? ['--data JSON|@file'] : v.body ? ['[--data JSON|@file]'] : []),
    ...(v.query ?? []).map((q) => `[--${q} X]`),
    '[--idempotency-key K]',
  ].join(' ');
  return {
    name: v.words,
    summary: v.summary,
    usage,
    options: {
      ...(v.body ? { data: { type: 'string' } } : {}),
      ...Object.fromEntries((v.query ?? []).map((q) => [q, { type: 'string' as const }])),
      ...(v.method === 'POST' ? { 'idempotency-key': { type: 'string' as const } } : {}),
    },
    async run(args, io) {
      if (args.positionals.length !== v.args.length)
        throw new UsageError(
          `expected ${v.args.length ? v.args.map((a) => `<${a}>`).join(' ') : 'no arguments'}\nusage: mu ${usage}`,
        );
      for (const p of args.positionals)
        if (!/^[A-Za-z0-9_.-]+$/.test(p)) throw new UsageError(`${p} is not an id, key or version`);
      const body = v.body ? readData(args) : undefined;
      if (v.body === 'data' && body === undefined)
        throw new UsageError(`--data is required\nusage: mu ${usage}`);
      const params = new URLSearchParams();
      for (const q of v.query ?? []) {
        const val = args.values[q];
        if (typeof val === 'string') params.set(camel(q), val);
      }
      const qs = params.toString();
      const key = args.values['idempotency-key'];
      const out = await callApi(
        v.method,
        `${v.path(args.positionals)}${qs ? `?${qs}` : ''}`,
        body ?? (v.body ? {} : undefined),
        typeof key === 'string' ? { 'idempotency-key': key } : {},
      );
      io.out(`${JSON.stringify(out, null, 2)}\n`);
    },
  };
}

export const resourceCommands: Command[] = VERBS.map(toCommand);
