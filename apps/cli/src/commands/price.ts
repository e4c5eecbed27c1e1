import { describeLine, parsePriceSpec, PricingError, rate, type RatingInput } from '@mu/pricing';
import { UsageError, requiredString, type Command, optionalString, readJson } from '../command';

const USAGE = 'price --spec FILE (--quantity N | --values FILE)';

/** A pricing error is bad input: name its source, then every issue with its field path and rule. */
function orUsageError<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PricingError) throw new UsageError(`${source}: ${err.message}`);
    throw err;
  }
}

export const priceCommand: Command = {
  name: 'price',
  summary:
    'rate a quantity (or, for percentage, event values) against a price spec; prints the charge as JSON',
  usage: USAGE,
  options: { spec: { type: 'string' }, quantity: { type: 'string' }, values: { type: 'string' } },
  async run(args, io) {
    const specPath = requiredString(args, 'spec', priceCommand);
    const quantity = optionalString(args, 'quantity');
    const valuesPath = optionalString(args, 'values');
    if (args.positionals.length > 0)
      throw new UsageError(`unexpected argument '${args.positionals.join(' ')}'\nusage: mu ${USAGE}`);
    if ((quantity === undefined) === (valuesPath === undefined))
      throw new UsageError(`pass --quantity or --values, not both\nusage: mu ${USAGE}`);

    const specJson = await readJson(specPath, '--spec');
    const spec = orUsageError(specPath, () => parsePriceSpec(specJson));
    let input: RatingInput;
    let source: string;
    if (valuesPath === undefined) {
      input = { quantity: quantity as string };
      source = '--quantity';
    } else {
      input = { values: (await readJson(valuesPath, '--values')) as string[] };
      source = valuesPath;
    }
    const r = orUsageError(source, () => rate(spec, input));
    const output = {
      currency: r.currency,
      model: r.model,
      quantity: r.quantity,
      amount: r.amount,
      exactAmount: r.exactAmount,
      subtotal: r.subtotal,
      minimumApplied: r.minimumApplied,
      maximumApplied: r.maximumApplied,
      roundingMode: r.roundingMode,
      breakdown: r.breakdown.map((line) => ({ ...line, description: describeLine(line) })),
    };
    io.out(`${JSON.stringify(output, null, 2)}\n`);
  },
};
