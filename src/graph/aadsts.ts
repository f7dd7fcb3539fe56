/**
 * What Entra ID's token errors mean, in one place: `doctor` explains them to people and the scan job
 * decides from them whether another try can help. Entra names every refusal with an AADSTS code
 * (https://learn.microsoft.com/entra/identity-platform/reference-error-codes); anything without one
 * (the authority unreachable, a timeout, a 5xx) is an outage that passes.
 */

export interface AadstsMeaning {
  /** What is wrong, in words a tenant admin can act on. */
  words: string;
  /** Another try cannot help: the credential, the app registration or the consent must change. */
  permanent: boolean;
}

/** The codes a daemon with a client credential meets; others are described by Entra's own text. */
const MEANINGS: Readonly<Record<number, AadstsMeaning>> = {
  7000215: { permanent: true, words: 'the client secret is wrong (use the secret value, not its id)' },
  7000222: { permanent: true, words: 'the client secret has expired: create a new one' },
  7000218: { permanent: true, words: 'the request carried neither a client secret nor a certificate' },
  700016: {
    permanent: true,
    words:
      'no application with this client id exists in the tenant (wrong client id or tenant, or not consented)',
  },
  90002: { permanent: true, words: 'the tenant does not exist: check the tenant id and the cloud' },
  65001: {
    permanent: true,
    words: 'an administrator has not consented to the permissions the application needs',
  },
  700027: {
    permanent: true,
    words:
      "the certificate's signature was refused: the certificate is not registered on the app, or it expired",
  },
  700024: { permanent: true, words: 'the client assertion is outside its valid time (check the clock)' },
  700021: {
    permanent: true,
    words: "the client assertion names another application than the request's client id",
  },
  50027: { permanent: true, words: 'the client assertion is not a valid JWT' },
  50034: { permanent: true, words: 'the account does not exist in this tenant' },
  50053: { permanent: true, words: 'the account is locked or the sign-in was blocked' },
  53003: { permanent: true, words: 'a Conditional Access policy blocks the sign-in' },
  7000112: { permanent: true, words: 'the application is disabled' },
  500011: {
    permanent: true,
    words: 'Microsoft Graph is not available in this tenant (resource principal not found)',
  },
  1002012: {
    permanent: true,
    words: 'the scope is not valid for client credentials (it must end in /.default)',
  },
  90033: { permanent: false, words: 'Entra ID had a transient error' },
};

export interface TokenFailure {
  /** The AADSTS code, when Entra gave one. */
  code?: number;
  words: string;
  permanent: boolean;
}

/** Reads why a credential could not get a token from the error @azure/identity (MSAL) threw. */
export function explainTokenFailure(error: unknown): TokenFailure {
  const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? String(error)}`;
  const match = /AADSTS(\d+)/.exec(text);
  if (match) {
    const code = Number(match[1]);
    const known = MEANINGS[code];
    if (known) return { code, ...known };
    return { code, permanent: false, words: `Entra ID refused the request (AADSTS${code})` };
  }
  // A file the configuration names (certificate, token file) is missing or unreadable.
  if (/\b(ENOENT|EACCES|EISDIR)\b/.test(text)) {
    return { permanent: true, words: 'a credential file named in the configuration cannot be read' };
  }
  if (
    /endpoints_resolution_error|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|network|fetch failed/i.test(
      text,
    )
  ) {
    return {
      permanent: false,
      words:
        'the authority could not be reached or could not describe the tenant (network, proxy or authorityHost)',
    };
  }
  if (/temporarily_unavailable|\b5\d\d\b|timed? ?out/i.test(text)) {
    return { permanent: false, words: 'Entra ID is temporarily unavailable' };
  }
  return { permanent: false, words: 'the credential could not get a token' };
}

/** `AADSTS7000215 (the client secret is wrong ...)`, or just the words when there is no code. */
export function describeTokenFailure(failure: TokenFailure): string {
  return failure.code !== undefined ? `AADSTS${failure.code}: ${failure.words}` : failure.words;
}
