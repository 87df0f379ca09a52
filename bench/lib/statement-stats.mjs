/**
 * Counts and times every statement pg clients send while `counting(client)` says so, grouped by
 * shape (whitespace folded, parameters and literals masked, the first 110 characters), from the
 * send to the answer. The app's client (AutoPreparingClient) and pg.Pool#query (the rate
 * limiter's path) send with a callback, others get a promise: both are counted. `extra(text)`
 * adds fields to a shape's entry when it is first seen (e.g. whether it takes row locks).
 */
export function statementStats(Client, { counting, extra = () => ({}) }) {
  const stats = new Map();
  const original = Client.prototype.query;
  Client.prototype.query = function (config, values, cb) {
    if (!counting(this)) return original.call(this, config, values, cb);
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    const start = performance.now();
    const record = () => {
      const key = text
        .replace(/\s+/g, ' ')
        .replace(/\$\d+/g, '?')
        .replace(/hook_\d+/g, 'hook_N')
        .replace(/'(?:[^']|'')*'/g, "'…'")
        .trim()
        .slice(0, 110);
      const s = stats.get(key) ?? { n: 0, ms: 0, ...extra(text) };
      s.n++;
      s.ms += performance.now() - start;
      stats.set(key, s);
    };
    const callback = typeof values === 'function' ? values : cb;
    if (typeof callback === 'function') {
      const wrapped = (...a) => {
        record();
        return callback(...a);
      };
      return typeof values === 'function' ? original.call(this, config, wrapped) : original.call(this, config, values, wrapped);
    }
    const result = original.call(this, config, values, cb);
    return result && typeof result.then === 'function' ? result.finally(record) : result;
  };
  return stats;
}
