import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installLeanAsyncResourceBind } from './async-resource-bind';

describe('installLeanAsyncResourceBind', () => {
  beforeAll(() => installLeanAsyncResourceBind());

  it('gives bound functions no accessor that would pin their target in the old generation', () => {
    const resource = new AsyncResource('test');
    const bound = resource.bind(function target() {
      return 1;
    });
    const descriptor = Object.getOwnPropertyDescriptor(bound, 'asyncResource');
    expect(descriptor?.get).toBeUndefined();
    expect(descriptor?.set).toBeUndefined();
    // Where Node still defines the property, it stays readable (Node 24+ may drop it).
    if (descriptor) expect(descriptor.value).toBe(resource);
  });

  it("runs the function in the resource's async context, not the caller's", () => {
    const als = new AsyncLocalStorage<string>();
    const bound = als.run('at bind time', () => new AsyncResource('test').bind(() => als.getStore()));
    expect(als.run('at call time', () => bound())).toBe('at bind time');
    // The static form goes through the prototype method as well.
    const staticBound = als.run('static', () => AsyncResource.bind(() => als.getStore()));
    expect(staticBound()).toBe('static');
  });

  it('passes arguments and the return value through, and keeps the length', () => {
    const bound = new AsyncResource('test').bind((a: number, b: number) => a * b);
    expect(bound(6, 7)).toBe(42);
    expect(bound.length).toBe(2);
  });

  it('uses thisArg when given, the call receiver otherwise', () => {
    const self = { name: 'given' };
    function name(this: { name: string }) {
      return this.name;
    }
    // Node's typings leave out bind's thisArg.
    const resource = new AsyncResource('test');
    const bindWith = resource.bind as unknown as (fn: unknown, thisArg: unknown) => () => string;
    expect(bindWith.call(resource, name, self)()).toBe('given');
    const holder = { name: 'receiver', get: new AsyncResource('test').bind(name) };
    expect(holder.get()).toBe('receiver');
  });

  it('refuses what is not a function, as Node does', () => {
    const bind = new AsyncResource('test').bind as (fn: unknown) => unknown;
    expect(() => bind.call(new AsyncResource('test'), 42)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });

  it('installs once', () => {
    const bind = AsyncResource.prototype.bind;
    expect(installLeanAsyncResourceBind()).toBe(false);
    expect(AsyncResource.prototype.bind).toBe(bind);
  });
});
