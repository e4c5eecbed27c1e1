// Ratings per second of @mu/pricing on one core (Node runs this on one thread): `npm run bench:pricing`.
// Rates parsed specs as the rater does: full results with their breakdowns, over quantities that
// spread across every tier. Each case runs a fixed number of iterations after a warm-up, so the
// bench always ends; BENCH_ITERATIONS changes the count.
const { parsePriceSpec, rate, rateIncrement } = require('@mu/pricing');

const ITERATIONS = Number(process.env.BENCH_ITERATIONS || 1_000_000);
const WARMUP = Math.min(200_000, ITERATIONS);
const TARGET_GRADUATED = 250_000;

const unit = parsePriceSpec({ currency: 'EUR', model: 'unit', unitAmount: '0.000125' });
const graduated = parsePriceSpec({
  currency: 'EUR',
  model: 'graduated',
  tiers: [
    { upTo: '1000', unitAmount: '0.10' },
    { upTo: '10000', unitAmount: '0.08', flatAmount: '5' },
    { upTo: '100000', unitAmount: '0.05' },
    { upTo: null, unitAmount: '0.01', flatAmount: '20' },
  ],
});

// 0 to ~215,000, a third of them with decimals: every tier is hit. Built once, outside the timing.
const QUANTITIES = Array.from({ length: 1024 }, (_, i) => (i % 3 === 0 ? `${i * 197}.5` : String(i * 211)));

/**
 * Runs fn over the quantities; returns ratings per second.
 * @param {string} name
 * @param {(quantity: string) => string} fn
 */
function bench(name, fn) {
  let sink = 0;
  for (let i = 0; i < WARMUP; i++) sink += fn(/** @type {string} */ (QUANTITIES[i & 1023])).length;
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) sink += fn(/** @type {string} */ (QUANTITIES[i & 1023])).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const perSecond = Math.round(ITERATIONS / seconds);
  // Printing the sink keeps the optimiser from dropping the work.
  console.log(
    `${name.padEnd(38)} ${perSecond.toLocaleString('en-US').padStart(9)} ratings/s  (${ITERATIONS.toLocaleString('en-US')} in ${seconds.toFixed(2)} s, ${sink % 10})`,
  );
  return perSecond;
}

console.log(
  `@mu/pricing bench: node ${process.version}, one core, ${ITERATIONS.toLocaleString('en-US')} ratings per case`,
);
bench('unit: rate()', (/** @type {string} */ q) => rate(unit, { quantity: q }).amount);
const graduatedPerSecond = bench(
  'graduated, 4 tiers: rate()',
  (/** @type {string} */ q) => rate(graduated, { quantity: q }).amount,
);
bench('graduated, 4 tiers: rateIncrement()', (/** @type {string} */ q) =>
  rateIncrement(graduated, '500', q).toFixed(),
);
console.log(
  `graduated target ${TARGET_GRADUATED.toLocaleString('en-US')}/s: ${graduatedPerSecond >= TARGET_GRADUATED ? 'met' : 'NOT met'}`,
);
