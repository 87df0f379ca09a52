import * as nodeModule from 'node:module';

/**
 * V8's compiled code for the server's modules, kept on disk between starts (Node's module compile
 * cache, `NODE_COMPILE_CACHE` or the system's temporary directory): loading the modules is most of
 * a start, and a start with the cache filled took 2.1 to 2.4 s here against 2.4 to 2.9 s without
 * (bench/lib/processes.mjs's start of the built server, in turns, `NODE_COMPILE_CACHE=` turning it
 * off; the first start with it fills the cache and takes as long as one without). Imported first by
 * main.ts, so it covers every module after it; a Node without the API (before 22.1) starts as before.
 */
const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof enable === 'function' && process.env.NODE_COMPILE_CACHE !== '') enable();
