import { Client } from 'pg';

/**
 * What the server (booted in this process) sends to PostgreSQL while `fn` runs: each round trip's
 * prepared-statement name or text, in order.
 */
export async function statementsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const query = Client.prototype.query;
  Client.prototype.query = function (this: Client, config: unknown, ...rest: unknown[]) {
    sent.push(typeof config === 'string' ? config : String((config as { name?: string; text?: string }).name ?? (config as { text?: string }).text));
    return (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
  } as Client['query'];
  try {
    return { result: await fn(), sent };
  } finally {
    Client.prototype.query = query;
  }
}
