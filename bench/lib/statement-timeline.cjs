/**
 * Preloaded into a bench server (`node --require bench/lib/statement-timeline.cjs`): records every
 * SQL statement the pg driver sends (start, end, first 60 characters of its text) and every POST
 * request (from the request event to the response's finish; every request with
 * STATEMENT_TIMELINE_ALL_REQUESTS set) between SIGUSR1 and SIGUSR2, then
 * writes them as JSON to STATEMENT_TIMELINE_FILE. Times are wall-clock in the server, event-loop
 * waits included: what a request really waited for. Used by bench/profile-latency.mjs --statements
 * and bench/profile-search.mjs.
 */
const Module = require('node:module');
const http = require('node:http');
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const events = [];
let on = false;
let patched = false;
const load = Module._load;
Module._load = function (request) {
  const m = load.apply(this, arguments);
  if (!patched && request === 'pg' && m && m.Client) {
    patched = true;
    const query = m.Client.prototype.query;
    m.Client.prototype.query = function (config) {
      const text = typeof config === 'string' ? config : config && config.text;
      if (!on || !text) return query.apply(this, arguments);
      const t0 = performance.now();
      // Prepared statements sent as text (`EXECUTE "name"(...)`, a transaction in one simple query) by their names.
      const executed = Array.from(text.matchAll(/EXECUTE "?(\w+)"?/g), (x) => x[1]);
      const key = executed.length
        ? `${/^START TRANSACTION/.test(text) ? 'BEGIN; ' : ''}${executed.join('; ')}${/COMMIT\s*$/.test(text) ? '; COMMIT' : ''}`
        : text.replace(/\s+/g, ' ').trim().slice(0, 60);
      // The application pool's client (AutoPreparingClient, the one with a readTimeoutMillis) sends
      // every statement with a callback of its own; pg-pool's callbacks (pg-boss's pool) stay
      // unrecorded, as they always were.
      const last = arguments[arguments.length - 1];
      if (typeof last === 'function' && 'readTimeoutMillis' in this) {
        const args = Array.prototype.slice.call(arguments, 0, -1);
        args.push(function (err) {
          events.push(['sql', t0, performance.now(), err ? `(failed) ${key}` : key]);
          return last.apply(this, arguments);
        });
        return query.apply(this, args);
      }
      const out = query.apply(this, arguments);
      if (out && typeof out.then === 'function') {
        out.then(
          () => events.push(['sql', t0, performance.now(), key]),
          () => events.push(['sql', t0, performance.now(), `(failed) ${key}`]),
        );
      }
      return out;
    };
  }
  return m;
};
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (type, req, res) {
  if (on && type === 'request' && (req.method === 'POST' || process.env.STATEMENT_TIMELINE_ALL_REQUESTS)) {
    const t0 = performance.now();
    const key = `${req.method} ${req.url.replace(/[0-9a-f-]{36}/g, ':id')}`;
    res.on('finish', () => events.push(['http', t0, performance.now(), key]));
  }
  return emit.apply(this, arguments);
};
process.on('SIGUSR1', () => {
  events.length = 0;
  on = true;
  // When recording began, in the server's clock: the profilers place events on their own timeline by it.
  const t = performance.now();
  events.push(['mark', t, t, 'start']);
});
process.on('SIGUSR2', () => {
  on = false;
  fs.writeFileSync(process.env.STATEMENT_TIMELINE_FILE, JSON.stringify(events));
});
