import { describe, expect, it } from 'vitest';
import { describeTokenFailure, explainTokenFailure } from '../../src/graph/aadsts.js';

describe('explainTokenFailure', () => {
  it.each([
    {
      name: 'wrong secret',
      message: 'invalid_client: AADSTS7000215: Invalid client secret provided.',
      code: 7000215,
      permanent: true,
      words: /secret is wrong/,
    },
    {
      name: 'expired secret',
      message: 'AADSTS7000222: The provided client secret keys are expired.',
      code: 7000222,
      permanent: true,
      words: /expired/,
    },
    {
      name: 'unknown app',
      message: 'unauthorized_client: AADSTS700016: Application with identifier',
      code: 700016,
      permanent: true,
      words: /no application/,
    },
    {
      name: 'unknown tenant',
      message: "AADSTS90002: Tenant 'x' not found.",
      code: 90002,
      permanent: true,
      words: /tenant does not exist/,
    },
    {
      name: 'no consent',
      message: 'AADSTS65001: The user or administrator has not consented',
      code: 65001,
      permanent: true,
      words: /consented/,
    },
    {
      name: 'certificate',
      message: 'AADSTS700027: Client assertion failed signature validation.',
      code: 700027,
      permanent: true,
      words: /certificate/,
    },
    {
      name: 'missing account',
      message: 'AADSTS50034: The user account does not exist',
      code: 50034,
      permanent: true,
      words: /does not exist/,
    },
    {
      name: 'transient Entra error',
      message: 'AADSTS90033: A transient error has occurred.',
      code: 90033,
      permanent: false,
      words: /transient/,
    },
    {
      name: 'a code we do not know',
      message: 'AADSTS123456: something new',
      code: 123456,
      permanent: false,
      words: /AADSTS123456/,
    },
  ])('$name', ({ message, code, permanent, words }) => {
    const failure = explainTokenFailure(new Error(message));
    expect(failure).toMatchObject({ code, permanent });
    expect(failure.words).toMatch(words);
    expect(describeTokenFailure(failure)).toMatch(new RegExp(`^AADSTS${code}: `));
  });

  it.each([
    {
      name: 'authority unreachable',
      error: Object.assign(new Error('endpoints_resolution_error: See https://aka.ms/msal.js.errors'), {
        name: 'CredentialUnavailableError',
      }),
    },
    {
      name: 'connection refused',
      error: new Error('request to https://login failed, reason: connect ECONNREFUSED 127.0.0.1:1'),
    },
    { name: 'Entra answering 503', error: new Error('temporarily_unavailable: Error(s): Not Available') },
  ])('counts $name as transient, without a code', ({ error }) => {
    const failure = explainTokenFailure(error);
    expect(failure.permanent).toBe(false);
    expect(failure.code).toBeUndefined();
  });

  it('treats an unreadable certificate file as permanent', () => {
    expect(
      explainTokenFailure(new Error("ENOENT: no such file or directory, open '/etc/app.pem'")).permanent,
    ).toBe(true);
  });
});
