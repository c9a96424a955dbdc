// lib/core/axios-facade.ts
// axiosFacades(): a callable AxiosInstance over a shared axios core (about 150 bytes where axios.create() costs ~5 KB).
import axios, { type AxiosInstance, type AxiosRequestConfig, type CreateAxiosDefaults } from 'axios';

type Interceptors = AxiosInstance['interceptors'];
type Defaults = AxiosInstance['defaults'];

/** axios's mergeConfig on defaults (a deep copy of `a` with `b` over it), typed for defaults objects. */
export function mergeDefaults(a: object, b: object): Defaults {
  return axios.mergeConfig(a as AxiosRequestConfig, b as AxiosRequestConfig) as unknown as Defaults;
}

/**
 * What axios's own request methods (`Axios.prototype.request`, `get`, `getUri`...) read of `this`: the defaults and
 * the interceptors. A facade's context inherits the interceptors of its core until the app touches them.
 */
export interface AxiosContext {
  defaults: Defaults;
  interceptors: Interceptors;
}

/** The axios core that facades share: interceptors for all of them, and how to make a facade its own set. */
export interface FacadeCore<S = unknown> {
  readonly interceptors: Interceptors;
  /** A new set of interceptors holding the core's own (then the app's go after them). */
  ownInterceptors(): Interceptors;
  /** Keys of the defaults that are the core's own: `create()` leaves them out of the instance it makes. */
  readonly privateKeys: readonly string[];
  /**
   * The defaults of the facade made for `seed` until the app reads or sets its own: made when axios reads them (for
   * a request), never kept per facade, so that a facade costs nothing for them. Must not depend on anything but
   * `seed`'s fixed data (the last ones made are handed out again to the same facade).
   */
  defaultsOf(seed: S): Defaults;
  /** What the app sees of a copy of a facade's defaults (made when the app first reads them, or for `create()`). */
  ownDefaults?(defaults: Defaults): Defaults;
}

const CONTEXT = Symbol('express-grafx-auth.axiosContext');
const CORE = Symbol('express-grafx-auth.axiosCore');

/** What axios's methods get as `this`: the facade's seed; defaults and interceptors from the core until made its own. */
type FacadeContext = AxiosContext & { readonly [CORE]: FacadeCore<never>; readonly seed: unknown };

interface Facade {
  [CONTEXT]?: FacadeContext;
}

/** axios's request methods (request, get, post, getUri, ...: every method of its Axios class), bound on first use. */
const METHODS = Object.getOwnPropertyNames(axios.Axios.prototype).filter(
  (name) =>
    name !== 'constructor' && typeof (axios.Axios.prototype as unknown as Record<string, unknown>)[name] === 'function',
);

function contextOf(facade: Facade): FacadeContext {
  const context = facade[CONTEXT];
  if (context === undefined) throw new TypeError('express-grafx-auth: not an API client');
  return context;
}

/** Gives the facade an own data property (shadowing the prototype's accessor from then on). */
function own<T>(facade: object, name: string, value: T): T {
  Object.defineProperty(facade, name, { value, writable: true, enumerable: true, configurable: true });
  return value;
}

/**
 * A deep copy of a facade's defaults as the app is to see them. Spread into an ordinary object: axios's merge makes a
 * null-prototype object whose properties V8 keeps in a dictionary, and every request merges the defaults (twice), so
 * such defaults cost each request several percent.
 */
function copyDefaults(context: FacadeContext): Defaults {
  const copy = { ...mergeDefaults(context.defaults, {}) };
  return context[CORE].ownDefaults?.(copy) ?? copy;
}

/**
 * The prototype of every facade: a function (so facades stay callable) whose accessors make, on first use, what
 * axios.create() makes up front: each method bound to the context, own defaults (a deep copy: headers set on one
 * integration's client never reach another's), own interceptors, `create()`.
 */
const FACADE_PROTOTYPE: object = Object.create(Function.prototype, {
  ...Object.fromEntries(
    METHODS.map((name): [string, PropertyDescriptor] => [
      name,
      {
        get(this: Facade) {
          const context = contextOf(this) as unknown as Record<string, (...args: unknown[]) => unknown>;
          const method = context[name];
          return own(this, name, method?.bind(context));
        },
        set(this: Facade, value: unknown) {
          own(this, name, value);
        },
        configurable: true,
      },
    ]),
  ),
  defaults: {
    get(this: Facade) {
      const context = contextOf(this);
      context.defaults = copyDefaults(context);
      return own(this, 'defaults', context.defaults);
    },
    set(this: Facade, value: Defaults) {
      // The app's new defaults, with the core's own keys kept (without them the core would not know the requests).
      const context = contextOf(this);
      const previous = context.defaults as unknown as Record<string, unknown>;
      const next = value as unknown as Record<string, unknown>;
      for (const key of context[CORE].privateKeys) {
        if (Object.hasOwn(previous, key) && !Object.hasOwn(next, key)) next[key] = previous[key];
      }
      context.defaults = own(this, 'defaults', value);
    },
    configurable: true,
  },
  interceptors: {
    get(this: Facade) {
      const context = contextOf(this);
      context.interceptors = context[CORE].ownInterceptors();
      return own(this, 'interceptors', context.interceptors);
    },
    configurable: true,
  },
  create: {
    get(this: Facade) {
      const context = contextOf(this);
      // An ordinary axios instance with this one's defaults, none of the package's own keys (so no token logic).
      const create = (config?: CreateAxiosDefaults): AxiosInstance => {
        const { privateKeys } = context[CORE];
        const defaults = Object.fromEntries(
          Object.entries(copyDefaults(context)).filter(([key]) => !privateKeys.includes(key)),
        );
        return axios.create(mergeDefaults(defaults, config ?? {}) as CreateAxiosDefaults);
      };
      return own(this, 'create', create);
    },
    configurable: true,
  },
});

/** The seed of a facade made by axiosFacades() (undefined for any other value). */
export function facadeSeed(value: unknown): unknown {
  return typeof value === 'function' ? (value as Facade)[CONTEXT]?.seed : undefined;
}

/**
 * A maker of AxiosInstances on `core`, one per `seed` (what the core's defaultsOf() makes their defaults from):
 * callable like one (`api(config)`, `api(url, config)`), with every method of one. Each holds a function and a context
 * of one field (its seed: the defaults are made when a request reads them, the core's interceptors are inherited)
 * until the app reads its methods (each bound once), `defaults` (copied once) or `interceptors` (made its own once,
 * the core's first).
 */
export function axiosFacades<S>(core: FacadeCore<S>): (seed: S) => AxiosInstance {
  // The defaults made last, and for which context: the reads of one request (axios reads them up to four times).
  let lastContext: FacadeContext | undefined;
  let lastDefaults: Defaults | undefined;
  const defaultsOf = (context: FacadeContext): Defaults => {
    if (context !== lastContext || lastDefaults === undefined) {
      lastDefaults = core.defaultsOf(context.seed as S);
      lastContext = context;
    }
    return lastDefaults;
  };
  // What every context of this core inherits: axios's methods, the core's interceptors, the core, the defaults made
  // from the seed (until the app's own shadow them: an own data property, as `interceptors` once made its own).
  const shared: object = Object.create(axios.Axios.prototype, {
    interceptors: { value: core.interceptors, writable: true, enumerable: true, configurable: true },
    defaults: {
      get(this: FacadeContext): Defaults {
        return defaultsOf(this);
      },
      set(this: FacadeContext, value: Defaults) {
        own(this, 'defaults', value);
      },
      enumerable: true,
      configurable: true,
    },
    [CORE]: { value: core },
  });
  // A constructor rather than Object.create(): its objects are one field (the seed), without spare slots.
  // Named as axios's own class: stack traces read `Axios.request`, as for any axios instance.
  const Context = function Axios(this: { seed: unknown }, seed: S) {
    this.seed = seed;
  } as unknown as new (
    seed: S,
  ) => FacadeContext & { request(configOrUrl: unknown, config?: unknown): Promise<unknown> };
  Context.prototype = shared;
  return (seed) => {
    // A named function that finds its context through itself: no closure context per facade. (Not bind(): it works
    // out a name, "bound request", for every function it makes.)
    const facade = function facade(configOrUrl: unknown, config?: unknown) {
      return (contextOf(facade as Facade) as unknown as InstanceType<typeof Context>).request(configOrUrl, config);
    } as unknown as AxiosInstance & Facade;
    Object.setPrototypeOf(facade, FACADE_PROTOTYPE);
    Object.defineProperty(facade, CONTEXT, { value: new Context(seed) });
    return facade;
  };
}
