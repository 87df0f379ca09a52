import type { PoolClient } from 'pg';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/**
 * TypeORM's PostgreSQL query runner, connected without leaving old garbage behind.
 *
 * `PostgresQueryRunner.connect` stores its release function as `this.releaseCallback = (err) =>
 * {...}`: a function literal assigned to a property, which V8 allocates straight in the old
 * generation (it expects a method). One is made for every query runner, that is for every
 * transaction and every statement on the shared manager; it is garbage once the runner is
 * released, yet it stays until the next full collection, and through every scavenge until then
 * it holds its young context: the runner, its entity manager and what they still reference (see
 * AutoPreparingClient for the same with pg's own closures, and README "Eighteenth wave" for the
 * measure). This `connect` does the same steps as TypeORM's (0.3.x, master mode) with closures
 * made by plain functions, which V8 allocates young. Replica (slave) connections keep TypeORM's.
 */
interface RunnerInternals {
  mode: string;
  driver: { isReplicated: boolean; connectedQueryRunners: unknown[]; obtainMasterConnection(): Promise<[PoolClient, (err?: unknown) => void]> };
  databaseConnection?: PoolClient;
  databaseConnectionPromise?: Promise<PoolClient>;
  releaseCallback?: (err?: unknown) => void;
  releasePostgresConnection(err?: unknown): Promise<void>;
}

const proto = PostgresQueryRunner.prototype as unknown as RunnerInternals & { connect(): Promise<PoolClient> };
const typeormConnect = proto.connect;

function onErrorOf(runner: RunnerInternals): (err: unknown) => void {
  return (err) => void runner.releasePostgresConnection(err);
}

function releaseOf(connection: PoolClient, release: (err?: unknown) => void, onError: (err: unknown) => void): (err?: unknown) => void {
  return (err) => {
    connection.removeListener('error', onError);
    release(err);
  };
}

function attach(runner: RunnerInternals, [connection, release]: [PoolClient, (err?: unknown) => void]): PoolClient {
  runner.driver.connectedQueryRunners.push(runner);
  runner.databaseConnection = connection;
  const onError = onErrorOf(runner);
  runner.releaseCallback = releaseOf(connection, release, onError);
  connection.on('error', onError);
  return connection;
}

/** Whether this TypeORM still has the fields the replacement relies on (checked once, on the first connect). */
let checked = false;
function looksAsExpected(runner: RunnerInternals): boolean {
  return (
    typeof runner.releasePostgresConnection === 'function' && Array.isArray(runner.driver?.connectedQueryRunners) && typeof runner.driver?.obtainMasterConnection === 'function'
  );
}

proto.connect = function connect(this: RunnerInternals): Promise<PoolClient> {
  if (this.databaseConnection) return Promise.resolve(this.databaseConnection);
  if (this.databaseConnectionPromise) return this.databaseConnectionPromise;
  if ((this.mode === 'slave' && this.driver.isReplicated) || (!checked && !looksAsExpected(this))) return typeormConnect.call(this);
  checked = true;
  this.databaseConnectionPromise = this.driver.obtainMasterConnection().then((pair) => attach(this, pair));
  return this.databaseConnectionPromise;
};
