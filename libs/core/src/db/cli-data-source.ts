import { DataSource } from 'typeorm';
import { loadDatabaseUrl } from '../config/app-config';
import { dataSourceOptions } from './data-source';

/**
 * For the TypeORM CLI only (`npx typeorm migration:show -d dist/libs/core/src/db/cli-data-source.js`);
 * migrations are written by hand. A file of its own so that loading the app never builds it: a bad
 * DATABASE_URL is reported by `loadConfig` at boot, with every other bad variable.
 */
export default new DataSource(dataSourceOptions(loadDatabaseUrl() ?? 'postgres://postgres@127.0.0.1:5432/postgres'));
