import { AsyncResource } from 'node:async_hooks';

/** Marks the prototype once the lean bind is in place (a symbol shared across module copies). */
const LEAN = Symbol.for('mu.leanAsyncResourceBind');

type Bind = <F extends (...args: never[]) => unknown>(fn: F, thisArg?: unknown) => F;

/**
 * Replaces `AsyncResource.prototype.bind` on Node.js versions whose bound functions carry the
 * deprecated `asyncResource` accessor (DEP0172; Node 20 has it, nodejs/node#58618 removes it).
 *
 * Why: that accessor is a getter/setter pair made anew for every bound function, so every bound
 * function gets a hidden class of its own, and hidden classes live in the old generation. Its
 * getter closes over the bound function's target, so whatever the target holds is reachable
 * from the old generation and survives every young-generation GC until the next full one.
 * Fastify binds one such function per request with a body (its content-type parser), and the
 * target holds the request: the whole request (body text, parsed events, reply) was promoted.
 * In the collector that was ~10 % of everything allocated, and its young-generation GCs paused
 * it 5-22 ms each instead of 1.5-6 ms (docs/ingestion.md, "Results", fourth session).
 *
 * The replacement keeps the documented behaviour: the bound function runs `fn` in the
 * resource's async scope (AsyncLocalStorage and async_hooks see the same context), with
 * `thisArg` or else the call's `this`, and keeps `fn.length`. `asyncResource` stays readable as
 * a plain data property (without the deprecation warning). Where Node already has no accessor
 * there is nothing to do. Idempotent.
 */
export function installLeanAsyncResourceBind(): boolean {
  const proto = AsyncResource.prototype as unknown as { bind: Bind; [LEAN]?: true };
  if (proto[LEAN]) return false;
  const probe = new AsyncResource('mu.probe', { requireManualDestroy: true }).bind(() => undefined);
  const descriptor = Object.getOwnPropertyDescriptor(probe, 'asyncResource');
  if (!descriptor || descriptor.get === undefined) return false;

  proto.bind = function bind<F extends (...args: never[]) => unknown>(
    this: AsyncResource,
    fn: F,
    thisArg?: unknown,
  ): F {
    return leanBind(this, fn, thisArg);
  };
  Object.defineProperty(proto, LEAN, { value: true });
  return true;
}

function leanBind<F extends (...args: never[]) => unknown>(
  resource: AsyncResource,
  fn: F,
  thisArg: unknown,
): F {
  if (typeof fn !== 'function') {
    throw Object.assign(
      new TypeError(`The "fn" argument must be of type function. Received ${describe(fn)}`),
      { code: 'ERR_INVALID_ARG_TYPE' },
    );
  }
  const target = fn as unknown as (this: unknown, ...args: unknown[]) => unknown;
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(target, this, ...args);
        }
      : (...args: unknown[]) => resource.runInAsyncScope(target, thisArg, ...args);
  Object.defineProperties(bound, {
    length: { configurable: true, enumerable: false, writable: false, value: fn.length },
    asyncResource: { configurable: true, enumerable: true, writable: true, value: resource },
  });
  return bound as unknown as F;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return `type ${typeof value}`;
}
