import { signSurveyToken, verifySurveyToken } from './csat-token.util';

describe('survey tokens', () => {
  const id = '7d3f0c1e-5b1a-4c2e-9a51-0c7f3e2b8d10';

  it('verifies a token it signed and returns the survey id', () => {
    expect(verifySurveyToken('k1', signSurveyToken('k1', id))).toBe(id);
  });

  it('refuses a token signed with another key, an edited id, a cut signature and garbage', () => {
    const token = signSurveyToken('k1', id);
    expect(verifySurveyToken('k2', token)).toBeNull();
    expect(verifySurveyToken('k1', token.replace('7d3f', '7d3e'))).toBeNull();
    expect(verifySurveyToken('k1', token.slice(0, -1))).toBeNull();
    expect(verifySurveyToken('k1', 'not-a-token')).toBeNull();
    expect(verifySurveyToken('k1', `${id}.`)).toBeNull();
    expect(verifySurveyToken('k1', 42)).toBeNull();
  });
});
