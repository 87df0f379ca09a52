import { QueryFailedError } from 'typeorm';
import { httpStatusFor } from './error-status';
import { isDatabaseUnavailable } from './error-status';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a connection dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that gave no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a server that did not answer a query (query_timeout)', new Error('Query read timeout')],
    ['a statement timeout', pgError('57014', 'canceling statement due to statement timeout')],
    ['an administrator shutdown', pgError('57P01', 'terminating connection due to administrator command')],
    ['a server starting up', pgError('57P03', 'the database system is starting up')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['a connection exception', pgError('08006', 'connection failure')],
    ['a wrapped driver error', new QueryFailedError('SELECT 1', [], new Error('Connection terminated due to connection timeout'))],
  ])('is true for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], pgError('23505', 'duplicate key value violates unique constraint'))],
    ['a check violation', pgError('23514', 'new row violates check constraint')],
    ['a syntax error', pgError('42601', 'syntax error at or near')],
    ['an ordinary error', new Error('something else')],
    ['nothing', undefined],
  ])('is false for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('maps DATABASE_UNAVAILABLE to 503', () => {
    expect(httpStatusFor('DATABASE_UNAVAILABLE')).toBe(503);
  });
});
