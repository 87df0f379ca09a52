import { isSpaPath } from './web-static.module';

describe('isSpaPath', () => {
  it.each([
    ['/', true],
    ['/inbox', true],
    ['/inbox/0b6c1b3e-0000-0000-0000-000000000000', true],
    ['/admin/teams', true],
    ['/apiary', true],
    ['/api', false],
    ['/api/v1/conversations', false],
    ['/api/docs', false],
    ['/socket.io/', false],
    ['/socket.io', false],
  ])('%s → %s', (path, expected) => expect(isSpaPath(path)).toBe(expected));
});
