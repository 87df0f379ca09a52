import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
// The built server's modules (the in-process ingest loads them all) compiled once for every worker, as the server's main.js does.
if (process.env.NODE_COMPILE_CACHE !== '') nodeModule.enableCompileCache?.();
/**
 * Load-generator process: imports one bench module and runs one exported function.
 * One-shot: `fn(params, progress)` → result. Served: `fn(params)` → { ready, handlers }.
 */
process.once('message', async ({ modulePath, fn, params, serve }) => {
  try {
    const mod = await import(pathToFileURL(modulePath).href);
    if (!serve) {
      const result = await mod[fn](params, (data) => process.send({ type: 'progress', data }));
      process.send({ type: 'result', data: result }, () => process.exit(0));
      return;
    }
    const { ready, handlers } = await mod[fn](params);
    process.on('message', async (m) => {
      if (m.type !== 'call') return;
      try {
        process.send({ type: 'reply', id: m.id, data: await handlers[m.command](m.args) });
      } catch (err) {
        process.send({ type: 'reply', id: m.id, error: err?.stack ?? String(err) });
      }
    });
    process.send({ type: 'ready', data: ready });
  } catch (err) {
    process.send({ type: 'error', message: err?.stack ?? String(err) }, () => process.exit(1));
  }
});
process.on('disconnect', () => process.exit(0));
