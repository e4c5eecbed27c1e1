import {
  parseTaxContext,
  parseTaxQuoteRequest,
  quoteTax,
  TaxEngineError,
  type TaxContext,
} from '@mu/tax-engine';
import { UsageError, requiredString, type Command, optionalString, readJson } from '../command';

const USAGE = 'tax quote --request FILE [--tenant-rates FILE]';

/** An engine error is bad input: name the file, then every issue with its field path and rule. */
function orUsageError<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TaxEngineError) throw new UsageError(`${source}: ${err.message}`);
    throw err;
  }
}

/**
 * `mu tax quote`: the tax service's answer, computed offline with the same engine. The tenant's
 * rate overrides, US taxability and rounding come from a JSON file instead of Postgres.
 */
export const taxQuoteCommand: Command = {
  name: 'tax quote',
  summary: 'quote the tax of an invoice offline with the tax engine; prints the quote as JSON (docs/tax.md)',
  usage: USAGE,
  options: { request: { type: 'string' }, 'tenant-rates': { type: 'string' } },
  async run(args, io) {
    const requestPath = requiredString(args, 'request', taxQuoteCommand);
    const ratesPath = optionalString(args, 'tenant-rates');
    if (args.positionals.length > 0)
      throw new UsageError(`unexpected argument '${args.positionals.join(' ')}'\nusage: mu ${USAGE}`);

    const requestJson = await readJson(requestPath, '--request');
    const request = orUsageError(requestPath, () => parseTaxQuoteRequest(requestJson));
    let context: TaxContext = {};
    if (ratesPath !== undefined) {
      const ratesJson = await readJson(ratesPath, '--tenant-rates');
      context = orUsageError(ratesPath, () => parseTaxContext(ratesJson));
    }
    // A date no rate covers is also the request's fault (rule `coverage` on `date`).
    const quote = orUsageError(requestPath, () => quoteTax(request, context));
    io.out(`${JSON.stringify(quote, null, 2)}\n`);
  },
};
