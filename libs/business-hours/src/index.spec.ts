import * as businessHours from '@inbox/business-hours';

describe('@inbox/business-hours public API', () => {
  it.each(['isOpen', 'localWallClock', 'parseClockTime', 'validateBusinessHours', 'addBusinessSeconds', 'businessMsBetween'])('exports %s', (name) => {
    expect(typeof (businessHours as Record<string, unknown>)[name]).toBe('function');
  });
});
