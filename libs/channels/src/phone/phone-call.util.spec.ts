import { CallDetails, CallReport, callSummary, durationOf, mergeCall, needsCallback } from './phone-call.util';

const T = (s: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, s)).toISOString();
const RECEIVED = new Date(Date.UTC(2025, 0, 1, 12));
const fold = (reports: CallReport[]): CallDetails => reports.reduce<CallDetails | null>((c, r) => mergeCall(c, r, RECEIVED), null)!;

describe('mergeCall', () => {
  const ringing: CallReport = { direction: 'inbound', status: 'ringing', startedAt: T(0) };
  const answered: CallReport = { direction: 'inbound', status: 'in-progress', startedAt: T(0), answeredAt: T(10), agent: { id: 'ana', name: 'Ana', email: 'ana@example.com' } };
  const completed: CallReport = {
    direction: 'inbound',
    status: 'completed',
    startedAt: T(0),
    answeredAt: T(10),
    endedAt: T(202),
    recordingUrl: 'https://pbx.example.com/r/1.mp3',
    agent: { id: 'ana', name: 'Ana', email: 'ana@example.com' },
  };

  it('ringing → in-progress → completed ends completed with the talk time and the agent', () => {
    expect(fold([ringing, answered, completed])).toMatchObject({
      status: 'completed',
      durationSeconds: 192,
      agentName: 'Ana',
      recordingUrl: 'https://pbx.example.com/r/1.mp3',
      startedAt: T(0),
      answeredAt: T(10),
      endedAt: T(202),
    });
  });

  it.each([
    ['completed before ringing', [completed, ringing]],
    ['completed, in-progress, ringing', [completed, answered, ringing]],
    ['in-progress before ringing, then completed', [answered, ringing, completed]],
  ])('out of order (%s): the latest state wins, nothing is lost', (_, reports) => {
    expect(fold(reports as CallReport[])).toMatchObject({ status: 'completed', durationSeconds: 192, agentName: 'Ana', recordingUrl: 'https://pbx.example.com/r/1.mp3' });
  });

  it('between two final reports, the later by its own clock wins', () => {
    const missedEarly: CallReport = { direction: 'inbound', status: 'missed', startedAt: T(0), endedAt: T(30) };
    const voicemailLater: CallReport = { direction: 'inbound', status: 'voicemail', startedAt: T(0), endedAt: T(90), recordingUrl: 'https://pbx.example.com/vm/1.mp3' };
    expect(fold([voicemailLater, missedEarly]).status).toBe('voicemail');
    expect(fold([missedEarly, voicemailLater]).status).toBe('voicemail');
  });

  it('keeps the direction of the first report and the earliest start', () => {
    expect(
      fold([
        { ...completed, startedAt: T(5) },
        { ...ringing, direction: 'outbound' },
      ]),
    ).toMatchObject({ direction: 'inbound', startedAt: T(0) });
  });
});

describe('durationOf', () => {
  it.each([
    [{ status: 'completed', startedAt: T(0), answeredAt: T(10), endedAt: T(70) }, 60],
    [{ status: 'completed', startedAt: T(0), answeredAt: null, endedAt: T(70) }, 70],
    [{ status: 'missed', startedAt: T(0), answeredAt: null, endedAt: T(30) }, 0],
    [{ status: 'in-progress', startedAt: T(0), answeredAt: T(3), endedAt: null }, null],
  ] as const)('%j → %s', (c, expected) => expect(durationOf(c)).toBe(expected));
});

describe('needsCallback', () => {
  it.each([
    ['inbound', 'missed', true],
    ['inbound', 'voicemail', true],
    ['inbound', 'completed', false],
    ['outbound', 'missed', false],
    ['inbound', 'ringing', false],
  ] as const)('%s %s → %s', (direction, status, expected) => expect(needsCallback({ direction, status })).toBe(expected));
});

describe('callSummary', () => {
  it('says direction, outcome, duration and agent', () => {
    expect(
      callSummary(
        mergeCall(
          null,
          { direction: 'inbound', status: 'completed', startedAt: T(0), answeredAt: T(0), endedAt: T(192), agent: { id: 'a', name: 'Ana', email: null }, notes: 'Wants a refund' },
          RECEIVED,
        ),
      ),
    ).toBe('Inbound call, completed · 3 min 12 s · Ana\nWants a refund');
  });
});
