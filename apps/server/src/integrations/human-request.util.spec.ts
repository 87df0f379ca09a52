import { asksForHuman } from './human-request.util';

describe('asksForHuman', () => {
  it.each([
    ['agent', 'en'],
    ['Human please!', 'en'],
    ['I want to talk to someone', 'en'],
    ['Je veux parler à un conseiller', 'fr'],
    ['un humain svp', 'fr'],
    ['Vorrei parlare con un operatore', 'it'],
    ['quiero hablar con un agente', 'es'],
    ['Дайте оператора', 'uk'],
    ['Покличте живу людину', 'uk'],
    ['HUMAN', null],
  ])('%s (%s) asks for a person', (text, lang) => expect(asksForHuman(text, lang)).toBe(true));

  it.each([
    ['Where is my parcel?', 'en'],
    ['humanitarian aid shipping options', 'en'],
    ['My travel agent booked the wrong date and now the hotel says the reservation cannot be changed, what can I do', 'en'],
    ['', 'en'],
    ['agency', 'en'],
  ])('%s (%s) does not', (text, lang) => expect(asksForHuman(text, lang)).toBe(false));
});
