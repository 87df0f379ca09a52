import { describe, expect, it } from 'vitest';
import { insertMention, matchTeammates, mentionQuery, mentionsInText, noteMentions, splitMentions } from './mentions';

const ana = { id: 'u1', name: 'Ana Agent' };
const bo = { id: 'u2', name: 'Bo Ørsted' };
const zoe = { id: 'u3', name: 'Zoé Martin' };
const anaMaria = { id: 'u4', name: 'Ana Maria' };

describe('mentionQuery', () => {
  it('finds the @ being typed at the start or after a space', () => {
    expect(mentionQuery('@an', 3)).toEqual({ query: 'an', start: 0 });
    expect(mentionQuery('hi @Ana Ag', 10)).toEqual({ query: 'Ana Ag', start: 3 });
    expect(mentionQuery('hi @', 4)).toEqual({ query: '', start: 3 });
  });
  it('ignores e-mail addresses, finished lines and text after the caret', () => {
    expect(mentionQuery('mail ana@example.com', 20)).toBeNull();
    expect(mentionQuery('@ana\nnext', 9)).toBeNull();
    expect(mentionQuery('@ ana', 5)).toBeNull();
    expect(mentionQuery('no at here @ana', 5)).toBeNull();
  });
});

describe('matchTeammates', () => {
  it('matches the name or any word of it, ignoring case and accents, whole-name matches first', () => {
    expect(matchTeammates([ana, bo, zoe, anaMaria], 'an')).toEqual([ana, anaMaria]);
    expect(matchTeammates([ana, bo, zoe], 'agent')).toEqual([ana]);
    expect(matchTeammates([ana, bo, zoe], 'zoe')).toEqual([zoe]);
    expect(matchTeammates([ana, bo, zoe, anaMaria], 'martin')).toEqual([zoe]);
    expect(matchTeammates([ana, bo, zoe], 'ana ag')).toEqual([ana]);
    expect(matchTeammates([ana, bo, zoe], 'x')).toEqual([]);
    expect(matchTeammates([ana, anaMaria], 'ana ')).toEqual([ana, anaMaria]);
    expect(matchTeammates([ana, bo], 'ana agent ')).toEqual([]);
  });
  it('offers everyone (up to the limit) for a bare @', () => {
    expect(matchTeammates([ana, bo, zoe], '', 2)).toEqual([ana, bo]);
  });
});

describe('insertMention', () => {
  it('replaces the typed @query by @Name and a space, caret after it', () => {
    expect(insertMention('hi @an', { query: 'an', start: 3 }, ana)).toEqual({ text: 'hi @Ana Agent ', caret: 14 });
    expect(insertMention('hi @an please', { query: 'an', start: 3 }, ana)).toEqual({ text: 'hi @Ana Agent please', caret: 14 });
  });
});

describe('mentionsInText', () => {
  it('keeps only the picked teammates the text still names, once each', () => {
    expect(mentionsInText('@Ana Agent and @Bo Ørsted', [ana, bo, ana])).toEqual([ana, bo]);
    expect(mentionsInText('@Ana Agent only', [ana, bo])).toEqual([ana]);
    expect(mentionsInText('nobody', [ana])).toEqual([]);
  });
});

describe('splitMentions', () => {
  it('cuts a note into text and mentions, the longest name winning', () => {
    expect(splitMentions('@Ana Maria and @Ana Agent, look', [ana, anaMaria])).toEqual([{ mention: anaMaria }, ' and ', { mention: ana }, ', look']);
    expect(splitMentions('plain @text', [ana])).toEqual(['plain @text']);
    expect(splitMentions('plain', [])).toEqual(['plain']);
  });
});

describe('noteMentions', () => {
  it('reads the server metadata and ignores anything malformed', () => {
    expect(noteMentions({ mentions: [{ userId: 'u1', name: 'Ana Agent' }, { userId: 3 }, null] })).toEqual([ana]);
    expect(noteMentions({ mentions: 'nope' })).toEqual([]);
    expect(noteMentions(undefined)).toEqual([]);
  });
});
