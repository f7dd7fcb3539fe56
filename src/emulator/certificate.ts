import { generate } from 'selfsigned';

export interface ServerCertificate {
  /** PEM certificate; it is its own CA, so this is also what a client trusts. */
  cert: string;
  key: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost. The Graph client only attaches tokens
 * for https hosts, so the emulator needs TLS; clients trust exactly this certificate (never by turning
 * verification off). EC keys keep generation at a few milliseconds. Other local test servers take their
 * own `commonName`: certificates that trust themselves must differ in subject to sit in one CA bundle.
 */
export async function generateServerCertificate(
  now: Date = new Date(),
  commonName = 'pimwatch Graph emulator',
): Promise<ServerCertificate> {
  const day = 24 * 60 * 60 * 1000;
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    // A day of slack either way for clock differences between processes and containers.
    notBeforeDate: new Date(now.getTime() - day),
    notAfterDate: new Date(now.getTime() + 30 * day),
    extensions: [
      // It signs itself, so it must be allowed to: OpenSSL refuses a trust anchor without keyCertSign.
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
