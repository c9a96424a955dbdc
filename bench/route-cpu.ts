// bench/route-cpu.ts
// CPU time per request of each route of one process, the routes' requests interleaved (in the app: `hello-mix`).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** One route's requests since the last take(): how many, and the CPU time of their handling. */
export interface RouteCpu {
  requests: number;
  /** CPU time (user + system, microseconds) inside the app's handler for these requests. */
  handlerMicros: number;
}

export interface RouteCpuTake {
  routes: Record<string, RouteCpu>;
  /** Requests whose answer was not finished when the handler returned (their route's CPU is not all counted). */
  unfinished: number;
}

/**
 * Measures, for each request, the CPU time of its handling by the app (Express's routing, the middleware, the route,
 * `res.send` and its write to the socket), by route (the path's first segment). A request to a `/hello` route is
 * handled synchronously to the end, so this is all the CPU time that differs between the routes; the rest (reading
 * and parsing requests, the sockets' events, the event loop) is the same for each, and is the process's CPU time
 * minus the handlers'. The meter's own cost (two `process.cpuUsage()` calls a request, about a microsecond each) is
 * in every route's figure alike.
 */
export class RouteCpuMeter {
  #routes = new Map<string, RouteCpu>();
  #unfinished = 0;

  /** The app's request listener, each call measured. */
  wrap(app: (req: IncomingMessage, res: ServerResponse) => void): RequestListener {
    return (req, res) => {
      const url = req.url ?? '/';
      const end = url.indexOf('/', 1);
      const route = url.slice(1, end < 0 ? undefined : end);
      const before = process.cpuUsage();
      app(req, res);
      const { user, system } = process.cpuUsage(before);
      if (!res.writableEnded) this.#unfinished += 1;
      let entry = this.#routes.get(route);
      if (entry === undefined) {
        entry = { requests: 0, handlerMicros: 0 };
        this.#routes.set(route, entry);
      }
      entry.requests += 1;
      entry.handlerMicros += user + system;
    };
  }

  /** The counts since the last call, then starts afresh. */
  take(): RouteCpuTake {
    const taken = { routes: Object.fromEntries(this.#routes), unfinished: this.#unfinished };
    this.#routes = new Map();
    this.#unfinished = 0;
    return taken;
  }
}
