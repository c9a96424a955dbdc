// lib/core/axios-facade.ts
// axiosFacades(): callable AxiosInstances over a shared axios core, each a function and its context (where axios.create() costs ~5 KB).
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
export interface FacadeCore {
  readonly interceptors: Interceptors;
  /** A new set of interceptors holding the core's own (then the app's go after them). */
  ownInterceptors(): Interceptors;
  /** Keys of the defaults that are the core's own: `create()` leaves them out of the instance it makes. */
  readonly privateKeys: readonly string[];
  /**
   * The defaults of `context`'s facade until the app reads or sets its own: asked for whenever axios reads them (for a
   * request: up to four times), never kept on the context, so that a facade costs nothing for them.
   */
  defaultsOf(context: AxiosContext): Defaults;
  /** What the app sees of a copy of a facade's defaults (made when the app first reads them, or for `create()`). */
  ownDefaults?(defaults: Defaults): Defaults;
}

const CONTEXT = Symbol('express-grafx-auth.axiosContext');
const CORE = Symbol('express-grafx-auth.axiosCore');

/** What axios's methods get as `this`: a context of the core; defaults and interceptors from the core until its own. */
type FacadeContext = AxiosContext & { readonly [CORE]: FacadeCore };

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

/** The context of a facade made by axiosFacades() (undefined for any other value). */
export function facadeContext(value: unknown): AxiosContext | undefined {
  return typeof value === 'function' ? (value as Facade)[CONTEXT] : undefined;
}

/**
 * The facades of `core`: `Context`, the class their contexts are made of (subclass it: what axios's methods get as
 * `this`, inheriting axios's methods, the core's interceptors and the defaults the core makes for it), and
 * `facadeOf(context)`, an AxiosInstance over one context: callable like one (`api(config)`, `api(url, config)`), with
 * every method of one. A facade holds a function and its context until the app reads its methods (each bound once),
 * `defaults` (copied once) or `interceptors` (made its own once, the core's first).
 */
export function axiosFacades(core: FacadeCore): {
  Context: abstract new () => AxiosContext;
  facadeOf(context: AxiosContext): AxiosInstance;
} {
  // Named as axios's own class: stack traces of a facade's subclass-less contexts read `Axios.request`.
  const Context = function Axios() {} as unknown as abstract new () => AxiosContext;
  Context.prototype = Object.create(axios.Axios.prototype, {
    interceptors: { value: core.interceptors, writable: true, enumerable: true, configurable: true },
    // Made by the core whenever read, until the app's own shadow them (an own data property, as `interceptors`).
    defaults: {
      get(this: FacadeContext): Defaults {
        return core.defaultsOf(this);
      },
      set(this: FacadeContext, value: Defaults) {
        own(this, 'defaults', value);
      },
      enumerable: true,
      configurable: true,
    },
    [CORE]: { value: core },
  }) as AxiosContext;
  const facadeOf = (context: AxiosContext): AxiosInstance => {
    // A named function that finds its context through itself: no closure context per facade. (Not bind(): it works
    // out a name, "bound request", for every function it makes.)
    const facade = function facade(configOrUrl: unknown, config?: unknown) {
      const own = contextOf(facade as Facade) as unknown as {
        request(configOrUrl: unknown, config?: unknown): unknown;
      };
      return own.request(configOrUrl, config);
    } as unknown as AxiosInstance & Facade;
    Object.setPrototypeOf(facade, FACADE_PROTOTYPE);
    Object.defineProperty(facade, CONTEXT, { value: context });
    return facade;
  };
  return { Context, facadeOf };
}
