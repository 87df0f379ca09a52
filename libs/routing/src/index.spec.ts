import * as routing from '@inbox/routing';

describe('@inbox/routing public API', () => {
  it.each(['decide', 'requeueForAgent', 'capacityFor', 'hasCapacity', 'isEligible', 'checkManualAssignment', 'languageName'])('exports %s', (name) => {
    expect(typeof (routing as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the built-in defaults used for teamless conversations', () => {
    expect(routing.BUILT_IN_DEFAULT_TEAM).toMatchObject({ strategy: 'least_busy', offerTimeoutSeconds: null, businessHours: null });
    expect(routing.BUILT_IN_DEFAULT_CAPACITY).toEqual({
      api: 5,
      email: 10,
      webchat: 3,
      slack: 5,
      whatsapp: 3,
      messenger: 3,
      instagram: 3,
      telegram: 3,
      x: 3,
      phone: 1,
    });
  });
});
