import { describe, expect, it } from 'vitest';
import i18n, { LANGUAGES } from '../i18n/i18n';
import { EVENTS, FIELDS, OPERATORS, conditionValue } from './sla-admin';

describe('automation rule editor', () => {
  it.each(LANGUAGES.map((l) => l.code))('names every event, field and operator in %s', (lng) => {
    for (const key of [
      ...EVENTS.map((e) => `service.events.${e.replace('.', '_')}`),
      ...FIELDS.map((f) => `service.fields.${f}`),
      ...OPERATORS.map((o) => `service.operators.${o}`),
    ]) {
      expect(i18n.exists(key, { lng, fallbackLng: false }), `${lng}: ${key}`).toBe(true);
    }
  });

  it('sends a rating comparison as a number and set operators as lists', () => {
    expect(conditionValue('at_most', '2')).toBe(2);
    expect(conditionValue('at_least', ' 4 ')).toBe(4);
    expect(conditionValue('in', 'email, slack')).toEqual(['email', 'slack']);
    expect(conditionValue('equals', 'email')).toBe('email');
  });
});
